"""Rendering: invoice and statement PDFs, exports, charts. No request context needed.

reports.documents is the entry point for documents: invoice_document and
statement_document take (session, viewer, document, locale, now, settings) and serve a
page, the API, the CLI and a background worker alike.
"""
