"""Blueprint guards: each audience's pages refuse everyone else."""

from flask import abort
from flask_login import current_user


def require(predicate):
    """A before_request hook: log in first; a user of another audience gets a 404."""

    def guard():
        if not current_user.is_authenticated:
            from portal.extensions import login_manager

            return login_manager.unauthorized()
        if not predicate(current_user):
            abort(404)
        return None

    return guard
