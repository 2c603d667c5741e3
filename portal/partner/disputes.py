"""Billing disputes of customers within reach, filed and followed on their behalf.

Amounts and lines are the customer's CPNI: shown only under its approval (the shared
handlers in portal/disputes/ ask the access policy); the dispute itself, its
state and timeline, are not.
"""

from portal.disputes import pages as dispute_pages
from portal.partner import bp

dispute_pages.add_routes(bp)
