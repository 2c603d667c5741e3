"""A record named by the id in a URL: the row, or a 404 that says what was not found."""

from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from portal.extensions import db


def get_or_404(model, value, message: str):
    """The row of `model` with the id in the URL, or a 404 with `message`."""
    found = db.session.get(model, whole_number(value) or 0)
    if found is None:
        raise NotFound(message)
    return found
