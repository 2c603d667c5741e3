"""The print queue: letters answering callers verified by "postal mail of record"
(billing/cpni/sending.py). Staff download each letter's PDF to print and post it, then
mark it printed. A letter shows the account's charges (CPNI): each download is logged
as a disclosure for support, the purpose of the call it answers."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.core.clock import utcnow
from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from billing.cpni import sending
from portal import access
from portal.cpni.call_forms import PrintedForm
from portal.extensions import db
from portal.invoicing.pages import pdf_response
from portal.staff import bp


@bp.route("/letters")
def letters():
    return render_template("cpni/staff_letters.html",
                           letters=sending.letters_to_print(db.session), form=PrintedForm())


@bp.route("/letters/<letter_id>.pdf")
def letter_pdf(letter_id):
    now = utcnow()
    letter = sending.get_letter(db.session, _id(letter_id))
    access.record_disclosures(
        db.session, current_user,
        {letter.customer_id: access.CpniAccess(True, purpose="support")}, surface="pdf",
        subject=f"letter {letter.id} for printing", now=now)
    db.session.commit()
    return pdf_response(letter.pdf, f"letter-{letter.id}.pdf")


@bp.route("/letters/<letter_id>/printed", methods=["POST"])
def letter_printed(letter_id):
    if PrintedForm().validate_on_submit():
        sending.mark_printed(db.session, _id(letter_id), current_user, utcnow())
        db.session.commit()
        flash(_("Marked as printed: it leaves the print queue."), "info")
    return redirect(url_for("staff.letters"))


def _id(text) -> int:
    number = whole_number(text)
    if number is None:
        raise NotFound("No such letter.")
    return number
