"""Every user-facing string is in the catalogs, and every catalog translates all of them."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "portal" / "translations"
LOCALES = ["en_GB", "de", "fr", "es"]


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}


def test_the_template_holds_every_string_in_the_source():
    with open(ROOT / "portal" / "babel.cfg") as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
    found = {
        message if isinstance(message, str) else message[0]
        for _, _, message, _, _ in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords)
    }
    with open(CATALOGS / "messages.pot", "rb") as template:
        known = _ids(read_po(template))
    assert found - known == set(), "run `make messages` and translate the new strings"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_string_is_translated(locale):
    with open(CATALOGS / locale / "LC_MESSAGES" / "messages.po", "rb") as po:
        catalog = read_po(po)
    with open(CATALOGS / "messages.pot", "rb") as template:
        assert _ids(catalog) == _ids(read_po(template))
    missing = [m.id for m in catalog if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else [m.string]))]
    assert missing == []
