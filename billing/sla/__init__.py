"""The SLA: the outage ledger, trouble tickets, maintenance windows, the credit calculation and
credit requests.
"""
