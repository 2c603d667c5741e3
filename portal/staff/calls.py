"""Taking a call from a customer: staff verify the caller by one of the four CPNI methods.

A passcode or a call back to the telephone number of record opens the account's CPNI for
the call, and the method is logged with every disclosure made while the call lasts (see
portal/invoicing/viewer.py). "E-mail of record" and "postal mail of record" do not open
it (47 CFR 64.2010(b)): the information is sent there instead, a mail through the outbox
or a letter to the print queue (billing/cpni/sending.py), and the screen stays closed.
"""

from flask import current_app, flash, redirect, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import provider_date, utcnow
from billing.core.numbers import whole_number
from billing.cpni import passcodes, sending
from portal import access, notices
from portal.cpni.call_forms import CallForm, EndCallForm, NoCallPurposeForm
from portal.extensions import db
from portal.invoicing import pages
from portal.staff import bp
from portal.staff.forms import VatNumberForm
from reports.letter_pdf import render_information_letter

CALL_MINUTES = 30


def _refusals() -> dict:
    return {
        "wrong_passcode": _("That passcode is not correct. Nothing was recorded and the "
                            "account's CPNI stays hidden."),
        "passcode_locked": _("Too many wrong passcodes for this account: passcode checks "
                             "are locked for 15 minutes. Verify the caller another way."),
        "no_passcode": _("This account has no CPNI passcode yet. Verify the caller another "
                         "way."),
    }


def customer_call_page(customer_id, call_form=None, vat_form=None):
    """The staff page of an account, with the call verification panel and the VAT number
    form (filled with the number of record unless a refused one is being shown back)."""
    customer = access.get_customer(db.session, current_user, customer_id)
    holder = customer.parent or customer  # a location's caller gives its corporate passcode
    return pages.customer_page(
        customer.id, "parties/staff_customer.html", purpose_form=NoCallPurposeForm(),
        passcode_holder={"id": holder.id, "set_at": holder.cpni_passcode_set_at},
        call_form=call_form or CallForm(), end_call_form=EndCallForm(),
        call_method=pages.staff_verification(whole_number(customer_id)),
        vat_number=customer.vat_number,
        vat_form=vat_form or VatNumberForm(formdata=None, obj=customer),
    )


@bp.route("/customers/<customer_id>/call", methods=["POST"])
def verify_caller(customer_id):
    """Record how the caller was verified; only then does CPNI open, for support."""
    customer = access.get_customer(db.session, current_user, customer_id)
    _close(customer.id)  # a new caller: nothing stays open from earlier work
    form = CallForm()
    if not form.validate_on_submit():
        return customer_call_page(customer.id, form), 400
    now = utcnow()
    try:
        verification = passcodes.verify_caller(
            db.session, customer=customer, staff=current_user, method=form.method.data,
            passcode=form.passcode.data, note=form.note.data, now=now,
        )
    except passcodes.PasscodeRefused as refusal:
        db.session.commit()  # the wrong passcode counts toward the account's lockout
        form.passcode.data, form.passcode.errors = "", [_refusals()[refusal.code]]
        return customer_call_page(customer.id, form), 400
    if not sending.opens_on_screen(verification.method):
        _send(verification, form.note.data, now)
        db.session.commit()
        return redirect(url_for("staff.customer", customer_id=customer.id))
    db.session.commit()
    _open(customer.id, form.method.data)
    flash(_("Caller verified. The account's CPNI is open for this call; every view is "
            "logged with how the caller was verified."), "info")
    return redirect(url_for("staff.customer", customer_id=customer.id))


def _send(verification, requested: str | None, now) -> None:
    """Send the account's information to the address of record the method names; the
    staff screen stays closed (only this sentence says what happened)."""
    customer = verification.customer
    information = sending.account_information(db.session, customer, now)
    if verification.method == "email_of_record":
        subject, body = notices.render("cpni/mail_requested_information.txt", customer.locale,
                                       account=information, requested=requested)
        sending.send_email(db.session, verification=verification, staff=current_user,
                           subject=subject, body=body, requested=requested, now=now)
        notices.counted(now)
        flash(_("The account's information is going to the e-mail address of record. Its "
                "CPNI stays hidden here: do not discuss it on this call."), "info")
        return
    pdf = render_information_letter(
        information, requested=requested, written_on=provider_date(now),
        locale=customer.locale or current_app.config["BABEL_DEFAULT_LOCALE"],
        provider=pages.document_settings().provider)
    sending.queue_letter(db.session, verification=verification, staff=current_user, pdf=pdf,
                         requested=requested, now=now)
    flash(_("A letter with the account's information is queued for printing, to the postal "
            "address of record. Its CPNI stays hidden here: do not discuss it on this "
            "call."), "info")


@bp.route("/customers/<customer_id>/call/end", methods=["POST"])
def end_call(customer_id):
    customer = access.get_customer(db.session, current_user, customer_id)
    if EndCallForm().validate_on_submit():
        _close(customer.id)
        flash(_("Call ended. The account's CPNI is hidden again."), "info")
    return redirect(url_for("staff.customer", customer_id=customer.id))


def forget_call(customer_id: int) -> None:
    """Drop the call verification only (the purpose form opens CPNI for other work)."""
    _without(customer_id, "cpni_call")
    _without(customer_id, "cpni_call_at")


@bp.before_request
def end_calls_that_went_quiet():
    """A verification lasts for one call: after CALL_MINUTES without a view of that
    account, CPNI closes again, and a later caller must be verified anew."""
    now = utcnow().timestamp()
    for customer_id, seen in dict(session.get("cpni_call_at", {})).items():
        if now - seen > CALL_MINUTES * 60:
            _close(int(customer_id))


def _open(customer_id: int, method: str) -> None:
    _set("cpni_purpose", customer_id, "support")
    _set("cpni_call", customer_id, method)
    _set("cpni_call_at", customer_id, utcnow().timestamp())


def _set(key: str, customer_id: int, value) -> None:
    entries = dict(session.get(key, {}))
    entries[str(customer_id)] = value
    session[key] = entries


def _close(customer_id: int) -> None:
    for key in ("cpni_purpose", "cpni_call", "cpni_call_at"):
        _without(customer_id, key)


def _without(customer_id: int, key: str) -> None:
    entries = dict(session.get(key, {}))
    if entries.pop(str(customer_id), None) is not None:
        session[key] = entries
