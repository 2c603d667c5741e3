"""Billing disputes along the escalation path: filing, the held amount, each step, files and
reports.
"""
