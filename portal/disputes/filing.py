"""Filing a dispute from the filer's side, and what the invoice page says of disputes.

Whether an invoice may still be disputed is the domain's filing window
(billing.disputes.rules); these pages only ask it. A partner without the customer's
CPNI approval still files, typing the amount the customer claims, and is never told
how much is open: not even by a refusal (the domain caps what the dispute holds).
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.disputes import filing as domain
from billing.disputes import holds
from billing.disputes.rules import filing_refusal
from billing.invoicing import balance
from billing.invoicing.models import Invoice
from portal import access
from portal.disputes import notices as dispute_notices
from portal.disputes.attachments import store
from portal.disputes.disclosures import grant, logged
from portal.disputes.forms import DisputeForm
from portal.disputes.presenters import shown_lines
from portal.extensions import db
from portal.i18n import money
from portal.invoicing.presenters import invoice_dict


def may_file(invoice: Invoice, now: datetime) -> bool:
    """Whether the current user may dispute the invoice now (the domain's rule, with
    this portal's window)."""
    return filing_refusal(invoice, current_user, now,
                          current_app.config["DISPUTE_WINDOW_DAYS"]) is None


def invoice_summary(invoice: Invoice, grant, now: datetime) -> dict:
    """What the invoice page says about disputes: the link to file one (what they hold
    is in the invoice's balance)."""
    return {"may_file": may_file(invoice, now)}


def new_page(invoice_id):
    now = utcnow()
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    filing = _Filing(invoice, now)
    return _render_new(filing, filing.form(formdata=None))


def file(invoice_id):
    """File the dispute and store its files in one transaction: a refused file, like any
    refused input, leaves nothing behind."""
    now = utcnow()
    invoice = access.get_invoice(db.session, current_user, invoice_id)
    filing = _Filing(invoice, now)
    form = filing.form()
    if not form.validate_on_submit():
        return _render_new(filing, form, status=400)
    try:
        step = domain.file_dispute(
            db.session, invoice=invoice, user=current_user, reason=form.reason.data,
            description=form.description.data, amount_minor=form.amount_minor, now=now,
            line_ids=form.line_ids.data or (),
            window_days=current_app.config["DISPUTE_WINDOW_DAYS"],
            sees_amounts=filing.grant.visible)
        again = step.dispute.filed_at != now  # the same form sent twice: the first dispute
        if not again:
            store(step, form.attachments.uploads(), now)
    except domain.AmountTooLarge as refused:
        db.session.rollback()
        form.amount.errors.append(filing.too_large(refused))
        return _render_new(filing, form, status=400)
    except InvalidInput as refused:
        db.session.rollback()
        return _render_new(filing, form, problem=refused.message, status=400)
    if not again:
        dispute_notices.notify(step)
    db.session.commit()
    ref = step.dispute.reference
    flash(_("Dispute %(ref)s was already filed.", ref=ref) if again else
          _("Dispute %(ref)s is filed. You will hear from us at each step.", ref=ref), "info")
    return redirect(url_for(f"{request.blueprint}.dispute", dispute_id=step.dispute.id))


class _Filing:
    """An invoice as its would-be filer sees it: the access, and the lines it may choose."""

    def __init__(self, invoice: Invoice, now: datetime):
        self.invoice, self.now = invoice, now
        self.grant = grant(invoice, now)
        self.lines, self.grants = shown_lines(db.session, current_user, invoice, self.grant,
                                              now)

    def form(self, **kwargs) -> DisputeForm:
        currency = self.invoice.currency
        choices = [(line.id, f"{line.description} ({money(line.amount_minor, currency)})")
                   for line in self.lines if line.kind in holds.DISPUTABLE_KINDS]
        return DisputeForm(currency, choices, **kwargs)

    def too_large(self, refused: domain.AmountTooLarge) -> str:
        """The refusal names the open amount only to users who see the invoice's amounts."""
        if not self.grant.visible:
            return refused.message
        return _("At most %(amount)s is still open on what you dispute.",
                 amount=money(refused.open_minor, self.invoice.currency))


def _render_new(filing: _Filing, form: DisputeForm, *, problem: str | None = None,
                status: int = 200):
    invoice, grant, now = filing.invoice, filing.grant, filing.now
    open_minor = holds.open_amount_minor(db.session, invoice) if grant.visible else None
    owed = balance.invoice_balance(db.session, invoice, now)  # its status shows "overdue"
    html = render_template(
        f"disputes/{request.blueprint}_dispute_new.html",
        data=invoice_dict(invoice, grant, balance=owed), access=grant, form=form,
        open_minor=open_minor,
        may_file=may_file(invoice, now), problem=problem,
        window_days=current_app.config["DISPUTE_WINDOW_DAYS"])
    return logged(html, filing.grants, f"invoice {invoice.number}, new dispute", now), status
