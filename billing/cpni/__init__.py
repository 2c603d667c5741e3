"""The CPNI program: approvals, the disclosure log, passcodes, marketing opt-outs, breaches,
complaints, retention.
"""
