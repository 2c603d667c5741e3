"""Billing disputes along the escalation path. rules.py says what a dispute allows (the
filing window, overdue, allowed_steps); filing.py, steps.py and escalation.py take the
steps; holds.py has the amounts open and held; timeline.py the events and deadlines;
tiers.py the path; files.py and reports.py the rest.
"""
