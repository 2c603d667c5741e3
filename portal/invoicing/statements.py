"""Statement PDFs for customers, partners and staff, as the access policy allows.

Every amount, invoice and credit on a statement is the account's CPNI. A viewer who may
not see it (a partner without the customer's approval, staff before stating a purpose)
gets the account's name and number and the period, with everything else withheld; the
statement is then not even computed. Each disclosure is logged as a PDF disclosure.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from datetime import date
from pathlib import Path

from flask import Response, current_app
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import provider_date, utcnow
from billing.core.errors import InvalidInput
from billing.invoicing.statements import AGEING_BUCKETS, Statement, build_statement
from portal import access
from portal.extensions import db
from portal.i18n import select_locale
from portal.invoicing import pages
from portal.invoicing.presenters import customer_ref, money, withheld
from portal.periods import last_day, parse_day, parse_month, previous_month
from reports.invoice_pdf import cached
from reports.statement_pdf import render_statement_pdf


def statement_period(args, today: date) -> tuple[date, date]:
    """The period asked for: ?month=YYYY-MM, or ?from=&to= (days), else last month."""
    if args.get("month"):
        start = parse_month(args["month"])
        end = last_day(start)
    elif args.get("from") or args.get("to"):
        start, end = parse_day(args.get("from")), parse_day(args.get("to"))
    else:
        start = previous_month(today)
        end = last_day(start)
    if start > end:
        raise InvalidInput(_("The period must start before it ends."))
    if end > today:
        raise InvalidInput(_("A statement covers days that have passed; choose an earlier "
                             "end."))
    return start, end


def statement_pdf(customer_id, args) -> Response:
    """The handler behind every audience's statement download."""
    now = utcnow()
    customer = access.get_customer(db.session, current_user, customer_id)
    start, end = statement_period(args, provider_date(now))
    purpose = pages.staff_purpose(customer.id) if current_user.is_staff else None
    grant = access.cpni_access(db.session, current_user, customer, now, purpose)
    statement = build_statement(db.session, customer, start, end, now) if grant.visible else None
    data = statement_dict(customer, start, end, statement, grant)
    access.record_disclosures(
        db.session, current_user, {customer.id: grant}, surface="pdf",
        subject=f"statement {customer.account_number} {start} to {end}", now=now,
        verification=pages.call_verifications([customer.id]))
    db.session.commit()
    return _pdf_response(customer, data, start, end)


def statement_dict(customer, start: date, end: date, statement: Statement | None,
                   grant) -> dict:
    """The statement as the viewer may see it: without a statement, only who and when."""
    data = {"account": {**customer_ref(customer), "address": customer.postal_address},
            "period_start": start.isoformat(), "period_end": end.isoformat(),
            "currency": customer.currency}
    if statement is None or not grant.visible:
        data["cpni_withheld"] = withheld(grant)
        return data
    cur = statement.currency

    def amounts(row) -> dict:
        plain = {k: v.isoformat() if isinstance(v, date) else v for k, v in asdict(row).items()}
        return {k.removesuffix("_minor"): money(v, cur) if k.endswith("_minor") else v
                for k, v in plain.items()}

    data.update(
        opening=money(statement.opening_minor, cur), closing=money(statement.closing_minor, cur),
        invoiced=money(sum(i.charges_minor for i in statement.invoices), cur),
        paid=money(sum(p.amount_minor for p in statement.payments), cur),
        credited=money(sum(c.amount_minor for c in statement.credits), cur),
        invoices=[amounts(i) for i in statement.invoices],
        payments=[amounts(p) for p in statement.payments],
        payments_recorded=statement.payments_recorded,
        credits=[amounts(c) for c in statement.credits],
        sla_credits=[amounts(s) for s in statement.sla_credits],
        ageing={"buckets": [(key, money(statement.ageing.buckets[key], cur))
                            for key in AGEING_BUCKETS],
                "unapplied_credit": money(statement.ageing.unapplied_credit_minor, cur),
                "total": money(statement.ageing.total_minor, cur)})
    return data


def _pdf_response(customer, data: dict, start: date, end: date) -> Response:
    """Rendered once per distinct content: the digest covers all the document shows."""
    config = current_app.config
    provider = {"name": config["PROVIDER_NAME"], "address": config["PROVIDER_ADDRESS"]}
    document = {"statement": data, "brand": pages.account_brand(customer),
                "provider": provider, "locale": select_locale()}
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    body = cached(Path(config["PDF_CACHE_DIR"]) / f"statement-{digest}.pdf",
                  lambda: render_statement_pdf(**document))
    account = re.sub(r"[^A-Za-z0-9-]", "_", customer.account_number)
    filename = f"statement-{account}-{start}-{end}.pdf"
    return Response(body, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "private, no-store"})
