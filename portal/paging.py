"""Validated page numbers, page-based pagination for pages and cursors for the API."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from sqlalchemy import func, select

from billing.core.errors import InvalidInput
from billing.core.numbers import whole_number

PAGE_SIZE = 50
MAX_SEARCH = 100


def chosen(args, name: str, allowed) -> str:
    """A filter's value from the query string: empty (no filter) or one of `allowed`."""
    value = args.get(name) or ""
    if value and value not in allowed:
        raise InvalidInput(f"{name} must be one of {', '.join(allowed)}.")
    return value


def page_number(args) -> int:
    number = whole_number(args.get("page", "1"), high=100_000)
    if number is None:
        raise InvalidInput("page must be a whole number from 1.")
    return number


def search_text(args, name: str = "q") -> str:
    text = (args.get(name) or "").strip()
    if len(text) > MAX_SEARCH:
        raise InvalidInput(f"Search text is limited to {MAX_SEARCH} characters.")
    return text


def like_pattern(text: str) -> str:
    """Contains `text`, case-insensitive, with LIKE's wildcards taken literally."""
    return f"%{_escaped(text)}%"


def prefix_pattern(text: str) -> str:
    """Starts with `text` (or is it), case-insensitive, wildcards taken literally."""
    return f"{_escaped(text)}%"


def _escaped(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass
class Page:
    items: list
    number: int
    total: int
    size: int = PAGE_SIZE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))


def paginate(session, query, number: int, load, size: int = PAGE_SIZE) -> Page:
    """One page of `query` (a select of one entity): count, page ids, then `load(ids)`."""
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    ids = session.scalars(page_ids(query).limit(size).offset((number - 1) * size)).all()
    return Page(load(session, ids), number, total, size)


def page_ids(query):
    """The same select, narrowed to the ids of its entity."""
    entity = query.column_descriptions[0]["entity"]
    return query.with_only_columns(entity.id)


def encode_cursor(last_id: int) -> str:
    """The next page starts after this id (lists run newest first by id)."""
    return str(last_id)


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor names: digits, as the API document states (any such id is a
    valid place to start; one beyond the newest lists from the newest)."""
    if not cursor:
        return None
    if re.fullmatch(r"[1-9][0-9]{0,8}", cursor):
        return int(cursor)
    raise InvalidInput("The cursor is not valid; start again without it.")


def limit_param(args, default: int = 50, maximum: int = 200) -> int:
    number = whole_number(args.get("limit") or str(default), high=maximum)  # empty: default
    if number is None:
        raise InvalidInput(f"limit must be a whole number from 1 to {maximum}.")
    return number
