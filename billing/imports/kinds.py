"""The importable kinds: their columns, row parsing, checks and upserts by natural key."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

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
from billing.core.numbers import whole_number
from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.upserts import copy_upsert, upsert
from billing.invoicing.tax_models import TAX_KINDS, TaxRate
from billing.invoicing.usage_models import CALL_TYPES, UsageRecord
from billing.parties.account_changes import ContactChanges
from billing.parties.models import BILLING_ROLES, LOCALES, PARTNER_KINDS, Customer, Partner
from billing.parties.partners import create_partner
from billing.sla.calculation import CAUSES
from billing.sla.credits import record_outage
from billing.sla.models import Outage, TroubleTicket


def _accounts(session: Session) -> dict:
    rows = session.execute(select(Customer.account_number, Customer.id, Customer.currency))
    return {number: (cid, cur) for number, cid, cur in rows}


def _duplicate(context, key, column: str) -> None:
    seen = context.setdefault("seen", set())
    if key in seen:
        raise RowInvalid(column, "appears twice in this file")
    seen.add(key)


class UsageKind:
    name = "usage"
    columns = ("source_ref", "account_number", "call_type", "destination", "started_at",
               "minutes", "rate")
    fields = ("source_ref", "customer_id", "call_type", "destination", "started_at",
              "minutes", "rate")

    def context(self, session):
        return {"accounts": _accounts(session)}

    def parse(self, context, row):
        customer_id, _ = f.reference(context["accounts"], row, "account_number", "account")
        return {"source_ref": f.text(row, "source_ref", max_length=64),
                "customer_id": customer_id,
                "call_type": f.choice(row, "call_type", CALL_TYPES),
                "destination": f.text(row, "destination", required=False, max_length=64),
                "started_at": f.instant(row, "started_at"),
                "minutes": f.number(row, "minutes"), "rate": f.number(row, "rate")}

    def check(self, context, values):
        _duplicate(context, values["source_ref"], "source_ref")

    def save(self, session, rows):
        if session.get_bind().dialect.name == "postgresql":
            return copy_upsert(session, UsageRecord, "source_ref", self.fields, rows)
        return upsert(session, UsageRecord, ("source_ref",), rows)


class TaxRateKind:
    name = "tax_rates"
    columns = ("tax_type", "name", "kind", "country", "region", "locality", "rate",
               "base_share", "currency", "effective_from")

    def context(self, session):
        return {}

    def parse(self, context, row):
        values = {"tax_type": f.text(row, "tax_type", max_length=40),
                  "name": f.text(row, "name", max_length=120),
                  "kind": f.choice(row, "kind", TAX_KINDS),
                  "country": f.text(row, "country", max_length=2).upper(),
                  "region": f.text(row, "region", required=False, max_length=40),
                  "locality": f.text(row, "locality", required=False, max_length=80),
                  "rate": f.number(row, "rate"),
                  "base_share": f.number(row, "base_share") if row["base_share"] else 1,
                  "currency": f.currency(row, "currency", required=False),
                  "effective_from": f.day(row, "effective_from")}
        if values["kind"] in ("per_line", "per_number") and not values["currency"]:
            raise RowInvalid("currency", "a per-line or per-number fee needs a currency")
        return values

    def check(self, context, values):
        key = tuple(values[k] for k in self.key)
        _duplicate(context, key, "effective_from")

    key = ("tax_type", "country", "region", "locality", "effective_from")

    def save(self, session, rows):
        return upsert(session, TaxRate, self.key, rows)


class ServiceKind:
    name = "services"
    columns = ("account_number", "product_code", "quantity", "unit_price", "currency",
               "description", "delivery", "started_on", "ended_on")
    key = ("customer_id", "product_id", "started_on")

    def context(self, session):
        products = dict(session.execute(select(Product.code, Product.id)).all())
        return {"accounts": _accounts(session), "products": products}

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
        _duplicate(context, tuple(values[k] for k in self.key), "started_on")

    def save(self, session, rows):
        return upsert(session, Service, self.key, rows)


POSTAL_COLUMNS = ("address_line1", "address_line2", "city", "region", "postal_code",
                  "country")


class CustomerKind:
    name = "customers"
    columns = ("account_number", "name", "parent_account", "pays_own_charges",
               "partner_code", "email", "phone", "address_line1", "address_line2", "city",
               "region", "postal_code", "country", "locale", "currency", "billing_role")

    def context(self, session):
        partners = dict(session.execute(select(Partner.code, Partner.id)).all())
        kinds = dict(session.execute(select(Partner.code, Partner.kind)).all())
        return {"accounts": _accounts(session), "partners": partners, "kinds": kinds,
                "in_file": set()}

    def parse(self, context, row):
        parent = row["parent_account"]
        if parent and parent not in context["accounts"] and parent not in context["in_file"]:
            raise RowInvalid("parent_account", f"no account {parent!r} (list corporate "
                                               "accounts before their locations)")
        return {"account_number": f.text(row, "account_number", max_length=20),
                "name": f.text(row, "name"), "parent_account": parent or None,
                "pays_own_charges": f.flag(row, "pays_own_charges"),
                "partner_id": f.reference(context["partners"], row, "partner_code",
                                          "partner", required=False),
                "email_of_record": f.email(row, "email"),
                "phone_of_record": f.text(row, "phone", max_length=32),
                "address_line1": f.text(row, "address_line1"),
                "address_line2": f.text(row, "address_line2", required=False) or None,
                "city": f.text(row, "city", max_length=100),
                "region": f.text(row, "region", required=False, max_length=100) or None,
                "postal_code": f.text(row, "postal_code", max_length=20),
                "country": f.text(row, "country", max_length=2).upper(),
                "locale": f.choice(row, "locale", LOCALES),
                "currency": f.currency(row, "currency"),
                "billing_role": f.choice(row, "billing_role", BILLING_ROLES)
                if row["billing_role"] else "retail"}

    def check(self, context, values):
        _duplicate(context, values["account_number"], "account_number")
        if values["billing_role"] == "wholesale":
            _check_wholesale_account(context, values)
        context["in_file"].add(values["account_number"])

    def save(self, session, rows):
        created = updated = 0
        for values in rows:  # row by row: locations refer to accounts made just before
            parent = values.pop("parent_account")
            values["parent_id"] = _account_id(session, parent) if parent else None
            found = session.scalars(select(Customer).where(
                Customer.account_number == values["account_number"])).first()
            if found is None:
                session.add(Customer(**values))
                created += 1
            else:
                _note_contact_change(session, found, values)
                for key, value in values.items():
                    setattr(found, key, value)
                updated += 1
            session.flush()
        return created, updated


def _note_contact_change(session, customer: Customer, values: dict) -> None:
    """An import that changes an account's e-mail or postal address of record: the
    account holder is to be told (at the old address); the caller sends the notices
    from `session.info["contact_changes"]` with the import's commit."""
    email = values["email_of_record"].lower() != customer.email_of_record.lower()
    postal = any(values[c] != getattr(customer, c) for c in POSTAL_COLUMNS)
    if email or postal:
        session.info.setdefault("contact_changes", []).append(
            (customer.id, ContactChanges(email, postal, customer.email_of_record)))


def _check_wholesale_account(context, values) -> None:
    """A wholesale account is a rebiller's own, one per currency, never a location."""
    partner = next((code for code, pid in context["partners"].items()
                    if pid == values["partner_id"]), None)
    if context["kinds"].get(partner) != "wholesale":
        raise RowInvalid("billing_role", "a wholesale account needs a wholesale partner_code")
    if values["parent_account"]:
        raise RowInvalid("billing_role", "a wholesale account cannot be a location")
    _duplicate(context, ("wholesale", partner, values["currency"]), "currency")


def _account_id(session, number):
    return session.scalar(select(Customer.id).where(Customer.account_number == number))


class PartnerKind:
    name = "partners"
    columns = ("code", "name", "kind", "parent_code", "brand_name", "brand_color")

    def context(self, session):
        existing = {p.code: p for p in session.scalars(select(Partner))}
        return {"existing": existing, "in_file": {}}

    def parse(self, context, row):
        values = {"code": f.text(row, "code", max_length=32), "name": f.text(row, "name"),
                  "kind": f.choice(row, "kind", PARTNER_KINDS),
                  "parent_code": row["parent_code"] or None,
                  "brand_name": f.text(row, "brand_name", required=False) or None,
                  "brand_color": f.text(row, "brand_color", required=False,
                                        max_length=7) or None}
        parent = values["parent_code"]
        known = {**{c: p.kind for c, p in context["existing"].items()}, **context["in_file"]}
        if parent and known.get(parent) != "agency":
            raise RowInvalid("parent_code", f"no agency {parent!r} (list parents first)")
        before = context["existing"].get(values["code"])
        if before and (before.kind != values["kind"]
                       or (before.parent.code if before.parent else None) != parent):
            raise RowInvalid("kind", "a partner's kind and parent cannot change by import")
        return values

    def check(self, context, values):
        _duplicate(context, values["code"], "code")
        context["in_file"][values["code"]] = values["kind"]

    def save(self, session, rows):
        created = updated = 0
        for values in rows:
            found = session.scalars(select(Partner).where(Partner.code == values["code"])).first()
            if found is None:
                parent = session.scalars(select(Partner).where(
                    Partner.code == values.pop("parent_code"))).first()
                create_partner(session, parent=parent, **values)
                created += 1
            else:
                found.name = values["name"]
                found.brand_name, found.brand_color = values["brand_name"], values["brand_color"]
                updated += 1
        return created, updated


class ProductKind:
    name = "products"
    columns = ("code", "name", "kind", "unit", "sla_family")
    key = ("code",)

    def context(self, session):
        return {}

    def parse(self, context, row):
        return {"code": f.text(row, "code", max_length=40), "name": f.text(row, "name"),
                "kind": f.choice(row, "kind", PRODUCT_KINDS),
                "unit": f.text(row, "unit", max_length=32),
                "sla_family": f.choice(row, "sla_family", SLA_FAMILIES)
                if row["sla_family"] else None}

    def check(self, context, values):
        _duplicate(context, values["code"], "code")

    def save(self, session, rows):
        return upsert(session, Product, self.key, rows)


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
        _duplicate(context, (code, values["product_id"], values["effective_from"]),
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


class OutageKind:
    """The provider's outage ledger, e.g. exported from monitoring; key `ref`."""

    name = "outages"
    columns = ("ref", "started_at", "ended_at", "cause", "platform", "service_ids", "summary")

    def context(self, session):
        return {"services": set(session.scalars(select(Service.id)))}

    def parse(self, context, row):
        values = {"ref": f.text(row, "ref", max_length=64),
                  "started_at": f.instant(row, "started_at"),
                  "ended_at": f.instant(row, "ended_at"),
                  "cause": f.choice(row, "cause", CAUSES),
                  "platform": f.choice(row, "platform", SLA_FAMILIES)
                  if row["platform"] else None,
                  "service_ids": _service_ids(context, row),
                  "summary": f.text(row, "summary", max_length=300)}
        if values["ended_at"] <= values["started_at"]:
            raise RowInvalid("ended_at", "is not after started_at")
        if values["platform"] is None and not values["service_ids"]:
            raise RowInvalid("platform", "name the platform or the affected service_ids")
        return values

    def check(self, context, values):
        _duplicate(context, values["ref"], "ref")

    def save(self, session, rows):
        rows = list(rows)  # read twice; outage files are small
        refs = [values["ref"] for values in rows]
        known = set(session.scalars(select(Outage.ref).where(Outage.ref.in_(refs))))
        for values in rows:
            ids = values.pop("service_ids")
            services = session.scalars(select(Service).where(Service.id.in_(ids))).all()
            record_outage(session, services=list(services), **values)
        created = sum(1 for ref in refs if ref not in known)
        return created, len(refs) - created


def _service_ids(context, row) -> list[int]:
    ids = []
    for part in filter(None, (p.strip() for p in row["service_ids"].split(";"))):
        number = whole_number(part)
        if number is None:
            raise RowInvalid("service_ids", f"{part!r} is not a service id")
        if number not in context["services"]:
            raise RowInvalid("service_ids", f"no service {number}")
        ids.append(number)
    return sorted(set(ids))


class TroubleTicketKind:
    """Trouble tickets from the support system; key `ref`. New ones have source support."""

    name = "trouble_tickets"
    columns = ("ref", "account_number", "opened_at", "outage_ref", "summary")

    def context(self, session):
        return {"accounts": _accounts(session),
                "outages": dict(session.execute(select(Outage.ref, Outage.id)).all())}

    def parse(self, context, row):
        customer_id, _ = f.reference(context["accounts"], row, "account_number", "account")
        return {"ref": f.text(row, "ref", max_length=64), "customer_id": customer_id,
                "opened_at": f.instant(row, "opened_at"),
                "outage_id": f.reference(context["outages"], row, "outage_ref", "outage",
                                         required=False),
                "summary": f.text(row, "summary", max_length=2000)}

    def check(self, context, values):
        _duplicate(context, values["ref"], "ref")

    def save(self, session, rows):
        rows = list(rows)  # read twice; ticket files are small
        refs = [values["ref"] for values in rows]
        known = set(session.scalars(select(TroubleTicket.ref)
                                    .where(TroubleTicket.ref.in_(refs))))
        # A ticket first opened elsewhere (the portal, the API) keeps its source.
        rows = [values if values["ref"] in known else {**values, "source": "support"}
                for values in rows]
        return upsert(session, TroubleTicket, ("ref",), rows)


KINDS = {kind.name: kind for kind in (PartnerKind(), CustomerKind(), ProductKind(),
                                      PriceBookKind(), ServiceKind(), UsageKind(),
                                      TaxRateKind(), OutageKind(), TroubleTicketKind())}
