"""Import kinds for the catalog: products, price books with their prices, and services."""

from __future__ import annotations

from sqlalchemy import select

from billing.catalog.models import (
    BOOK_KINDS,
    DELIVERY,
    PRODUCT_KINDS,
    SLA_FAMILIES,
    PriceBook,
    PriceBookEntry,
    Product,
    Service,
)
from billing.core.display_names import TRANSLATED_LOCALES, clean_translations
from billing.core.errors import InvalidInput
from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import account_lookup, refuse_duplicate
from billing.imports.upserts import upsert
from billing.parties.models import Partner


class ProductKind:
    name = "products"
    columns = ("code", "name", "kind", "unit", "sla_family")
    # The name per locale; a file without these columns leaves the names as they are.
    optional_columns = tuple(f"name_{locale}" for locale in TRANSLATED_LOCALES)
    key = ("code",)

    def context(self, session):
        return {}

    def parse(self, context, row):
        return {"code": f.text(row, "code", max_length=40), "name": f.text(row, "name"),
                "kind": f.choice(row, "kind", PRODUCT_KINDS),
                "unit": f.text(row, "unit", max_length=32),
                "sla_family": f.choice(row, "sla_family", SLA_FAMILIES)
                if row["sla_family"] else None, **_translations(row)}

    def check(self, context, values):
        refuse_duplicate(context, values["code"], "code")

    def save(self, session, rows):
        return upsert(session, Product, self.key, rows)


def _translations(row) -> dict:
    """{"name_translations": {...}} from the per-locale name columns the file has (the
    header may carry the first few of them, in order); {} when it has none."""
    present = [locale for locale in TRANSLATED_LOCALES if f"name_{locale}" in row]
    if not present:
        return {}
    names = {}
    for locale in present:
        column = f"name_{locale}"
        try:
            names.update(clean_translations({locale: f.text(row, column, required=False)}))
        except InvalidInput as refused:
            raise RowInvalid(column, refused.message) from None
    return {"name_translations": names}


class PriceBookKind:
    """One row per price; the book's own columns repeat on each of its rows."""

    name = "price_books"
    columns = ("book_code", "book_name", "kind", "partner_code", "currency", "base_book_code",
               "usage_markup", "product_code", "unit_price", "effective_from")
    book_columns = ("name", "kind", "partner_id", "currency", "base_book_code", "usage_markup")

    def context(self, session):
        return {"partners": {p.code: (p.id, p.kind) for p in session.scalars(select(Partner))},
                "products": dict(session.execute(select(Product.code, Product.id)).all()),
                "books": {b.code: b for b in session.scalars(select(PriceBook))},
                "in_file": {}}

    def parse(self, context, row):
        kind = f.choice(row, "kind", BOOK_KINDS)
        partner = f.reference(context["partners"], row, "partner_code", "partner",
                              required=False)
        if (kind == "list") != (partner is None):
            raise RowInvalid("partner_code", "a list book has no partner; wholesale and "
                                             "retail books belong to a wholesale partner")
        if partner is not None and partner[1] != "wholesale":
            raise RowInvalid("partner_code", f"{row['partner_code']!r} is not a wholesale "
                                             "partner")
        return {"code": f.text(row, "book_code", max_length=40),
                "name": f.text(row, "book_name"), "kind": kind,
                "partner_id": partner[0] if partner else None,
                "currency": f.currency(row, "currency"),
                "base_book_code": f.text(row, "base_book_code", required=False,
                                         max_length=40) or None,
                "usage_markup": f.number(row, "usage_markup", places=4)
                if row["usage_markup"] else 0,
                "product_id": f.reference(context["products"], row, "product_code",
                                          "product"),
                "unit_price": f.number(row, "unit_price"),
                "effective_from": f.day(row, "effective_from")}

    def check(self, context, values):
        code = values["code"]
        book = tuple(values[k] for k in self.book_columns)
        if context["in_file"].setdefault(code, book) != book:
            raise RowInvalid("book_code", f"the book {code!r} is described differently on "
                                          "an earlier row")
        base = values["base_book_code"]
        if base == code:
            raise RowInvalid("base_book_code", "a book cannot fall back to itself")
        if base and base not in context["books"] and base not in context["in_file"]:
            raise RowInvalid("base_book_code", f"no price book {base!r} (list it first)")
        refuse_duplicate(context, (code, values["product_id"], values["effective_from"]),
                   "effective_from")

    def save(self, session, rows):
        rows = list(rows)  # read twice; price lists are small
        books = {b.code: b for b in session.scalars(select(PriceBook))}
        for values in rows:
            header = {k: values[k] for k in ("name", "kind", "partner_id", "currency",
                                             "usage_markup")}
            book = books.get(values["code"])
            if book is None:
                book = books[values["code"]] = PriceBook(code=values["code"], **header)
                session.add(book)
            else:
                for key, value in header.items():
                    setattr(book, key, value)
            book.base_book = books.get(values["base_book_code"])
        session.flush()
        entries = [{"book_id": books[v["code"]].id, "product_id": v["product_id"],
                    "unit_price": v["unit_price"], "effective_from": v["effective_from"]}
                   for v in rows]
        return upsert(session, PriceBookEntry, ("book_id", "product_id", "effective_from"),
                       entries)


class ServiceKind:
    name = "services"
    columns = ("account_number", "product_code", "quantity", "unit_price", "currency",
               "description", "delivery", "started_on", "ended_on")
    key = ("customer_id", "product_id", "started_on")

    def context(self, session):
        products = dict(session.execute(select(Product.code, Product.id)).all())
        return {"accounts": account_lookup(session), "products": products}

    def parse(self, context, row):
        customer_id, account_currency = f.reference(context["accounts"], row,
                                                    "account_number", "account")
        values = {"customer_id": customer_id,
                  "product_id": f.reference(context["products"], row, "product_code",
                                            "product"),
                  "quantity": f.number(row, "quantity"),
                  "unit_price": f.number(row, "unit_price") if row["unit_price"] else None,
                  "currency": f.currency(row, "currency"),
                  "description": f.text(row, "description", required=False) or None,
                  "delivery": f.choice(row, "delivery", DELIVERY),
                  "started_on": f.day(row, "started_on"),
                  "ended_on": f.day(row, "ended_on", required=False)}
        if values["currency"] != account_currency:
            raise RowInvalid("currency", f"the account is billed in {account_currency}")
        if values["ended_on"] and values["ended_on"] < values["started_on"]:
            raise RowInvalid("ended_on", "is before started_on")
        return values

    def check(self, context, values):
        refuse_duplicate(context, tuple(values[k] for k in self.key), "started_on")

    def save(self, session, rows):
        return upsert(session, Service, self.key, rows)
