"""Payments in the portal: readable labels and the presenters the API and pages render."""
