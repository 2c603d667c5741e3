"""A record named by the id in a URL: the row, or a 404 that says what was not found.

`<id:name>` in a route takes only what an id column can hold (ASCII digits, 1 to
2**31 - 1); anything else, a 20-digit number included, is a 404 before the view runs.
"""

from werkzeug.routing import BaseConverter, ValidationError

from billing.core.errors import NotFound
from billing.core.numbers import whole_number
from portal.extensions import db


def get_or_404(model, value, message: str):
    """The row of `model` with the id in the URL, or a 404 with `message`."""
    found = db.session.get(model, whole_number(value) or 0)
    if found is None:
        raise NotFound(message)
    return found


class IdConverter(BaseConverter):
    """An id in a URL, within the range of the INTEGER columns ids live in."""

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        number = whole_number(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))
