"""The dashboards each audience lands on after signing in: partner, customer, staff.

Figures come from the domain (billing/dashboards, the balance and ageing modules); the
modules here cut them by the access policy, log what is disclosed, and draw the charts.
"""
