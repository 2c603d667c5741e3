"""Commissions: plans, the calculation down the agency path, monthly runs (DESIGN section 9)."""
