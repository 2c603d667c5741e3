"""The layout's promises, checked on the source: the domain knows nothing of the web,
documents need no request, one module speaks to Stripe, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 320  # "about 300": a module past this usually holds two ideas


def _modules(folder: str) -> list[Path]:
    return sorted(p for p in (ROOT / folder).rglob("*.py") if "migrations" not in p.parts)


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _offenders(folder: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    found = {}
    for path in _modules(folder):
        bad = sorted(n for n in _imports(path)
                     if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            found[str(path.relative_to(ROOT))] = bad
    return found


def test_the_domain_imports_neither_flask_nor_the_portal():
    assert _offenders("billing", ("flask", "flask_login", "flask_wtf", "flask_babel",
                                  "werkzeug", "portal")) == {}


def test_documents_need_no_request():
    assert _offenders("reports", ("flask", "flask_login", "flask_wtf", "werkzeug")) == {}


def test_only_the_payments_adapter_imports_stripe():
    found = {**_offenders("billing", ("stripe",)), **_offenders("portal", ("stripe",)),
             **_offenders("reports", ("stripe",))}
    found.pop("billing/payments/stripe.py", None)
    assert found == {}


@pytest.mark.parametrize("folder", ["billing", "portal", "reports"])
def test_modules_stay_short(folder):
    long = {str(p.relative_to(ROOT)): n for p in _modules(folder)
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}
