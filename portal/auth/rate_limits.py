"""How often the sign-in forms may be posted (Flask-Limiter, portal/extensions.py).

Each form is limited per client address and per address typed into it, known or not:
the client limit stops one machine trying many accounts, the typed-address limit stops
many machines trying one account or filling one mailbox with reset links. The login
lockout (billing/parties/identity.py) stays underneath: five wrong passwords lock an
address whatever the rate.
"""

from __future__ import annotations

import hashlib

from flask import request

from billing.parties.identity import normalise_email

login_per_client = "40 per minute"
login_per_address = "10 per minute"
forgot_per_client = "40 per minute"
forgot_per_address = "5 per hour"


def typed_address() -> str:
    """The limiter's key for the e-mail typed into the form: a digest, so that the
    counters (in Redis, in production) hold no addresses."""
    typed = normalise_email(request.form.get("email", ""))
    return "typed:" + hashlib.sha256(typed.encode()).hexdigest()
