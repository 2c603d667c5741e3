"""Invoices from draft to issued, their lines, taxes, credit notes, statements and invoice runs."""
