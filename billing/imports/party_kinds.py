"""Import kinds for the parties: partners (with their agency tree) and customer accounts."""

from __future__ import annotations

from sqlalchemy import select

from billing.core.errors import InvalidInput
from billing.imports import fields as f
from billing.imports.core import RowInvalid
from billing.imports.lookups import account_lookup, refuse_duplicate
from billing.parties.account_changes import ContactChanges
from billing.parties.models import BILLING_ROLES, LOCALES, PARTNER_KINDS, Customer, Partner
from billing.parties.partners import create_partner
from billing.parties.vat import normalized_vat_number


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
        refuse_duplicate(context, values["code"], "code")
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


POSTAL_COLUMNS = ("address_line1", "address_line2", "city", "region", "postal_code",
                  "country")


class CustomerKind:
    name = "customers"
    columns = ("account_number", "name", "parent_account", "pays_own_charges",
               "partner_code", "email", "phone", "address_line1", "address_line2", "city",
               "region", "postal_code", "country", "locale", "currency", "billing_role")
    # Left out, an account keeps the VAT number it has; present and blank, it has none.
    optional_columns = ("vat_number",)

    def context(self, session):
        partners = dict(session.execute(select(Partner.code, Partner.id)).all())
        kinds = dict(session.execute(select(Partner.code, Partner.kind)).all())
        return {"accounts": account_lookup(session), "partners": partners, "kinds": kinds,
                "in_file": set()}

    def parse(self, context, row):
        parent = row["parent_account"]
        if parent and parent not in context["accounts"] and parent not in context["in_file"]:
            raise RowInvalid("parent_account", f"no account {parent!r} (list corporate "
                                               "accounts before their locations)")
        values = {"account_number": f.text(row, "account_number", max_length=20),
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
        if "vat_number" in row:
            values["vat_number"] = _vat_number(row["vat_number"])
        return values

    def check(self, context, values):
        refuse_duplicate(context, values["account_number"], "account_number")
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


def _vat_number(text: str) -> str | None:
    try:
        return normalized_vat_number(text)
    except InvalidInput as error:
        raise RowInvalid("vat_number", error.message) from None


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
    refuse_duplicate(context, ("wholesale", partner, values["currency"]), "currency")


def _account_id(session, number):
    return session.scalar(select(Customer.id).where(Customer.account_number == number))
