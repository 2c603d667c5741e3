"""Names of catalog data (products, escalation tiers) in the reader's language.

A product or tier has one canonical name (`name`, the provider's working language, used
in files, exports and the API) and may carry a name per locale in `name_translations`
({"de": "Sprachlizenz", ...}). `display_name` picks the reader's, falling back from a
regional locale to its language (de_AT to de) and then to the canonical name, so a
missing translation never leaves a blank.
"""

from __future__ import annotations

from billing.core.errors import InvalidInput

# The portal's locales other than en_US, in which the canonical names are written.
TRANSLATED_LOCALES = ("en_GB", "de", "fr", "es")
MAX_NAME = 200


def display_name(thing, locale: str | None) -> str:
    """`thing`'s name for a reader in `locale` (its canonical name when none is given).
    `thing` is a product or tier, or a presenter's dict of its name and translations."""
    if isinstance(thing, dict):
        names, canonical = thing.get("name_translations") or {}, thing["name"]
    else:
        names, canonical = getattr(thing, "name_translations", None) or {}, thing.name
    locale = str(locale or "")
    for candidate in (locale, locale.split("_")[0]):
        if names.get(candidate):
            return names[candidate]
    return canonical


def clean_translations(names: dict, max_length: int = MAX_NAME) -> dict[str, str]:
    """The per-locale names given, trimmed, blanks dropped; InvalidInput names the first
    unknown locale or unusable name."""
    cleaned = {}
    for locale, name in (names or {}).items():
        if locale not in TRANSLATED_LOCALES:
            raise InvalidInput(f"No names are kept for the locale {locale!r}.")
        name = (name or "").strip() if isinstance(name, str) else None
        if name is None or len(name) > max_length or any(ord(ch) < 32 for ch in name):
            raise InvalidInput(f"The {locale} name must be text of at most {max_length} "
                               "characters on one line.")
        if name:
            cleaned[locale] = name
    return cleaned
