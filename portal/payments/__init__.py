"""Payments in the portal: staff record offline payments, refund and work the suspense
queue; customers see their payment history and receipts."""
