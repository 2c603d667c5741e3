"""User administration pages: one blueprint, mounted under each audience at /users (its
guard comes from the audience), and the public page where an invitation is accepted."""

from flask import Blueprint

bp = Blueprint("users", __name__)

from portal.users import pages  # noqa: E402,F401  (routes register on import)
