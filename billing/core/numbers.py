"""Whole numbers typed by people or sent by systems: ids, page numbers, limits."""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # what an INTEGER column holds on PostgreSQL
_DIGITS = re.compile(r"[0-9]{1,10}")  # ASCII only: str.isdigit() also accepts "²"


def whole_number(text, low: int = 1, high: int = MAX_ID) -> int | None:
    """The number `text` spells in plain ASCII digits within [low, high], else None."""
    if isinstance(text, int) and not isinstance(text, bool):
        text = str(text)
    if not isinstance(text, str) or not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None
