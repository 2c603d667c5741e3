"""Billing disputes of the customer's own invoices: list, file, follow, and act on them
(the handlers are portal/dispute_pages.py, shared with partners)."""

from portal import dispute_pages
from portal.customer import bp

dispute_pages.add_routes(bp)
