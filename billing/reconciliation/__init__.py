"""Reconciliation: Stripe's balance transactions and payouts against the books, and a
rebiller's wholesale bill against what it billed and collected (DESIGN section 8)."""
