"""Keyset pagination for the big lists: "previous / next" by the last row's sort key.

A page is found by where it starts in the list's order (the sort values of the row
before it, or after it going back), never by counting rows from the top: a deep page
costs what the first one does, and nothing counts every row in reach. The total shown
is exact up to TOTAL_CAP and "more than TOTAL_CAP" beyond: a count that stops early
costs no more than reading that many index entries.

Old links with ?page=N still open that page by offset (bookmarks keep working); the
pages themselves link with ?after= and ?before= only.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, tuple_

from billing.core.errors import InvalidInput
from portal.paging import PAGE_SIZE, page_ids, page_number

TOTAL_CAP = 1000
BAD_CURSOR = "The page link is not valid; start again from the first page."
MAX_TEXT = 500  # the longest sort text a cursor carries
# Longer than any cursor encode() makes (MAX_TEXT characters of up to four UTF-8 bytes
# and an id, in base64): not one of ours, and not worth decoding.
MAX_CURSOR = 2800


@dataclass(frozen=True)
class Order:
    """A list's order: its columns (the entity's id last, so that it is total) with how
    to read each one's value back from a cursor, and the direction they all share."""

    columns: tuple
    readers: tuple[Callable, ...]
    descending: bool = False

    def decode(self, cursor: str) -> tuple:
        if len(cursor) > MAX_CURSOR:
            raise InvalidInput(BAD_CURSOR)
        try:  # a cursor nested deep within the length still makes json recurse too far
            raw = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii") + b"==="))
            if not isinstance(raw, list) or len(raw) != len(self.readers):
                raise ValueError
            return tuple(read(value) for read, value in zip(self.readers, raw, strict=True))
        except (ValueError, TypeError, UnicodeError, binascii.Error,
                RecursionError) as error:
            raise InvalidInput(BAD_CURSOR) from error

    @staticmethod
    def encode(values) -> str:
        plain = [v.isoformat() if isinstance(v, date) else v for v in values]
        text = json.dumps(plain, separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(text.encode()).decode("ascii").rstrip("=")


def read_id(value) -> int:
    if type(value) is not int or not 0 < value < 2**31:
        raise ValueError
    return value


def read_date(value) -> date:
    if not isinstance(value, str):
        raise ValueError
    return date.fromisoformat(value)


def read_text(value) -> str:
    # A NUL never sorts a stored name, and PostgreSQL refuses one in a comparison.
    if not isinstance(value, str) or len(value) > MAX_TEXT or "\x00" in value:
        raise ValueError
    return value


@dataclass
class KeysetPage:
    """One page of a keyset list: its rows, the cursors either side, and the total."""

    items: list
    previous: str | None
    following: str | None
    total: int
    capped: bool
    size: int = PAGE_SIZE
    keyset: bool = True  # the pager template tells the two kinds apart by this


def keyset_page(session, query, order: Order, args, load, size: int = PAGE_SIZE) -> KeysetPage:
    """The page of `query` (a select of one entity) that ?after= or ?before= names, the
    first page without either; `load(session, ids)` fetches its rows in order."""
    after, before = args.get("after"), args.get("before")
    if after and before:
        raise InvalidInput(BAD_CURSOR)
    if args.get("page") and not (after or before):
        return _legacy_page(session, query, order, args, load, size,
                            *capped_total(session, query))
    keys = tuple_(*order.columns)
    backwards = bool(before)
    ascending = order.descending == backwards  # the direction this fetch walks in
    ordered = page_ids(query).with_only_columns(*order.columns).order_by(None)
    if after or before:
        mark = tuple_(*order.decode(after or before))
        ordered = ordered.where(keys > mark if ascending else keys < mark)
    ordered = ordered.order_by(*(c.asc() if ascending else c.desc() for c in order.columns))
    rows = session.execute(ordered.limit(size + 1)).all()
    more, rows = len(rows) > size, rows[:size]
    if backwards:
        rows.reverse()
    first, last = (order.encode(rows[0]), order.encode(rows[-1])) if rows else (None, None)
    previous = first if (more if backwards else bool(after)) else None
    following = last if (bool(before) if backwards else more) else None
    # A first page with nothing after it holds the whole list: its length is the total.
    whole = not (after or before or more)
    total, capped = (len(rows), False) if whole else capped_total(session, query)
    items = load(session, [row[-1] for row in rows])
    return KeysetPage(items, previous, following, total, capped, size)


def _legacy_page(session, query, order, args, load, size, total, capped) -> KeysetPage:
    """?page=N from an old link: that page by offset, linked onward by cursors."""
    number = page_number(args)
    ordered = page_ids(query).with_only_columns(*order.columns)
    rows = session.execute(ordered.limit(size + 1).offset((number - 1) * size)).all()
    more, rows = len(rows) > size, rows[:size]
    previous = order.encode(rows[0]) if rows and number > 1 else None
    following = order.encode(rows[-1]) if more else None
    items = load(session, [row[-1] for row in rows])
    return KeysetPage(items, previous, following, total, capped, size)


def capped_total(session, query, cap: int | None = None) -> tuple[int, bool]:
    """How many rows `query` has, counting no further than `cap` + 1: (count, beyond cap)."""
    cap = TOTAL_CAP if cap is None else cap
    limited = page_ids(query).order_by(None).limit(cap + 1).subquery()
    count = session.scalar(select(func.count()).select_from(limited))
    return min(count, cap), count > cap
