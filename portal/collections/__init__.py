"""Collections pages: autopay, the dunning policy, the ageing report."""
