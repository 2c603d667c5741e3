"""Rendering: invoice and statement PDFs, exports, charts. No request context needed."""
