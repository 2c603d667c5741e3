"""The customer's choice about marketing use of its CPNI: opt out, or withdraw the opt-out.

Managed, like approvals, by the admin of a top-level account; the choice covers the
account's sub-accounts. Opting out only restricts use, so one click does it; withdrawing
the opt-out lets marketing use the data again, so it asks for the password first.
"""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired

from billing.core.clock import utcnow
from billing.core.errors import InvalidInput
from billing.cpni import marketing
from portal.customer import bp
from portal.customer.account_admin import account_holder, confirm_password
from portal.extensions import db


class OptOutForm(FlaskForm):
    """Nothing to fill in: the CSRF token is the whole form."""


class WithdrawOptOutForm(FlaskForm):
    password = PasswordField(_l("Your password, to confirm"), validators=[DataRequired()])


@bp.route("/marketing")
def marketing_choice():
    customer = account_holder()
    return render_template(
        "cpni/customer_marketing.html", customer=customer,
        standing=marketing.standing_opt_out(db.session, customer.id, utcnow()),
        history=marketing.opt_out_history(db.session, customer.id),
        opt_out_form=OptOutForm(), withdraw_form=WithdrawOptOutForm(),
    )


@bp.route("/marketing/opt-out", methods=["POST"])
def marketing_opt_out():
    customer = account_holder()
    if not OptOutForm().validate_on_submit():
        raise InvalidInput(_("The form was not complete; nothing was changed."))
    recorded = marketing.opt_out(db.session, customer=customer, by=current_user,
                                 now=utcnow())[1]
    db.session.commit()
    flash(_("You have opted out of marketing. We will not use your CPNI for marketing "
            "until you withdraw this choice.") if recorded
          else _("You had already opted out of marketing; nothing changed."), "info")
    return redirect(url_for("customer.marketing_choice"))


@bp.route("/marketing/withdraw", methods=["POST"])
def marketing_withdraw():
    customer = account_holder()
    _confirm_password(WithdrawOptOutForm())
    now = utcnow()
    if marketing.standing_opt_out(db.session, customer.id, now) is None:
        raise InvalidInput(_("You have not opted out of marketing; nothing was changed."))
    marketing.revoke_opt_out(db.session, customer=customer, by=current_user, now=now)
    db.session.commit()
    flash(_("Your opt-out is withdrawn: we may again use your CPNI for marketing."), "info")
    return redirect(url_for("customer.marketing_choice"))


def _confirm_password(form: WithdrawOptOutForm) -> None:
    if not form.validate_on_submit():
        raise InvalidInput(_("Confirm with your password."))
    confirm_password(form.password.data)
