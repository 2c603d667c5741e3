"""Dispute pages, forms, presenters, labels and notices, shared by the audiences that file and
settle them.
"""
