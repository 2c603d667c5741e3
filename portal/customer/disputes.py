"""Billing disputes of the customer's own invoices: list, file, follow, and act on them
(the handlers are portal/disputes/pages.py and filing.py, shared with partners)."""

from portal.customer import bp
from portal.disputes import pages as dispute_pages

dispute_pages.add_routes(bp)
