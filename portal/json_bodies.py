"""JSON request bodies, read in one place: nesting is bounded and no string holds a NUL.

Python's parser recurses, so a body nested a hundred thousand deep would end in a
RecursionError, and PostgreSQL refuses a NUL inside text; both are refused here with a
400 that says why, before any view sees the body.
"""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider

from billing.core.errors import InvalidInput

MAX_DEPTH = 32  # the deepest body the API documents is three levels


class BoundedJSONProvider(DefaultJSONProvider):
    """The app's JSON provider: writes as Flask's does, reads only bodies the API can hold."""

    def loads(self, s, **kwargs):
        try:
            data = super().loads(s, **kwargs)
        except RecursionError:
            raise InvalidInput(f"The JSON body is nested more than {MAX_DEPTH} levels deep.") \
                from None
        _check(data)
        return data


def _check(data) -> None:
    """Walk the parsed body without recursion: too deep, or a NUL in a key or a string."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if "\x00" in value:
                raise InvalidInput("The request contains a NUL character.")
            continue
        if isinstance(value, dict):
            children = [*value.keys(), *value.values()]
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise InvalidInput(f"The JSON body is nested more than {MAX_DEPTH} levels deep.")
        pending.extend((child, depth + 1) for child in children)
