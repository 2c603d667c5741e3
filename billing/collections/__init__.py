"""Collections: overdue, autopay, the dunning policy (reminders, late fees) and the
receivables ageing (DESIGN section 7, Collections)."""
