"""CSV imports of partners, customers, products, price books, services, usage and tax rates.

Every file is all-or-nothing: each row is checked first, and if any row is wrong
nothing is saved and every problem is reported as row, column and message. Rows are
matched by natural key, so importing the same file again updates instead of
duplicating. Files are read as a stream, so usage files of millions of rows never sit
in memory whole; those are read once, staged in a temporary table and checked there
(usage_import). Formats: see formats.md beside this file.
"""

from billing.imports.core import ImportReport, RowError, run_import
from billing.imports.kinds import KINDS

__all__ = ["KINDS", "ImportReport", "RowError", "run_import"]
