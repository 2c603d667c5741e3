"""Payments in the portal: customers pay online and keep saved methods; staff record
offline payments, refund and work the suspense queue; customers see their payment history
and receipts."""
