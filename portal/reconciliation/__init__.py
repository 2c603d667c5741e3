"""Reconciliation pages: runs, their progress and results, the exceptions queue."""
