"""Pages, forms and notices of the CPNI program: approvals, account-change notices, calls,
compliance.
"""
