"""Price books for staff: the list, each rebiller's wholesale and retail books, their prices.

Read-only here; books change by importing a price_books file (billing/imports/formats.md).
"""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from billing.catalog.models import PriceBook, PriceBookEntry
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.parties.models import Partner
from portal.extensions import db

bp = Blueprint("prices", __name__)


@bp.route("")
def index():
    counts = (select(PriceBookEntry.book_id, func.count().label("entries"))
              .group_by(PriceBookEntry.book_id).subquery())
    rows = db.session.execute(
        select(PriceBook, func.coalesce(counts.c.entries, 0))
        .outerjoin(counts, counts.c.book_id == PriceBook.id)
        .outerjoin(Partner, Partner.id == PriceBook.partner_id)
        .options(selectinload(PriceBook.partner), selectinload(PriceBook.base_book))
        .order_by(func.coalesce(Partner.code, ""), PriceBook.kind, PriceBook.currency)).all()
    return render_template("catalog/staff_price_books.html", rows=rows)


@bp.route("/<book_id>")
def book(book_id):
    found = db.session.get(PriceBook, whole_number(book_id) or 0)
    if found is None:
        raise NotFound("No such price book.")
    entries = db.session.scalars(
        select(PriceBookEntry).where(PriceBookEntry.book_id == found.id)
        .options(selectinload(PriceBookEntry.product))
        .order_by(PriceBookEntry.product_id, PriceBookEntry.effective_from)).all()
    return render_template("catalog/staff_price_book.html", book=found, entries=entries)
