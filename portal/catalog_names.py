"""Names of products and escalation tiers as the reader of a page or notice reads them.

Pages, notices and PDFs show a product's or tier's name in the reader's locale
(billing.core.display_names); the API, files and exports keep the canonical `name`, so
that what machines read does not change with who asks.
"""

from __future__ import annotations

from flask import has_request_context, request

from billing.core.display_names import display_name
from portal.amounts import page_locale


def shown_name(thing) -> str:
    """`thing`'s name for this page's reader; the canonical name over the API (for
    presenters, which the API shares with the pages)."""
    if has_request_context() and (request.blueprint or "").split(".")[0] == "api":
        return thing.name
    return local_name(thing)


def local_name(thing) -> str:
    """`thing`'s name in the locale in force: the page's, or a notice's reader's (the
    templates' `local_name` filter)."""
    return display_name(thing, page_locale())


def name_facts(thing) -> dict:
    """A product's or tier's name with its translations, for a notice rendered later in
    each reader's locale (`local_name` reads it)."""
    return {"name": thing.name, "name_translations": dict(thing.name_translations or {})}
