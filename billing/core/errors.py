"""Domain errors. The portal maps each to an HTTP answer in one place."""


class DomainError(Exception):
    """A rule of the domain refused the operation; the message is safe to show."""

    code = "domain_error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class InvalidInput(DomainError):
    code = "invalid_input"


class Conflict(InvalidInput):
    """Well formed, but what it names refuses it in its present state (an answer of 409
    over the API): a step a dispute does not allow now, more than is open. Still an
    InvalidInput, so pages that show refusals beside the form keep doing so."""

    code = "conflict"


class Forbidden(DomainError):
    code = "forbidden"
