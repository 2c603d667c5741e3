"""The shared ground of the domain: database types, money, time, business hours, numbering, errors
and the mail outbox.
"""
