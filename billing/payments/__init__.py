"""Payments: money received, what it pays (allocation), refunds and chargebacks, Stripe."""
