"""Accessibility checks with axe-core, loaded into the page under test by Playwright.

`make install-test` installs axe-core from npm into tests/browser/node_modules (pinned by
package-lock.json). `assert_accessible(page)` runs the WCAG 2.x A and AA rules on what the
page shows now and fails on any violation axe rates serious or critical, naming the rule
and the elements, so the message says what to mend.
"""

from __future__ import annotations

from pathlib import Path

AXE_SCRIPT = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
RULE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def axe_violations(page) -> list[dict]:
    """Every violation axe finds on the page as it stands (all impacts)."""
    if not AXE_SCRIPT.exists():
        raise RuntimeError(f"{AXE_SCRIPT} is missing: run `make install-test`")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Injected through the DevTools protocol, so the page's CSP does not apply to it.
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": RULE_TAGS}}
    result = page.evaluate("options => window.axe.run(document, options)", options)
    return result["violations"]


def describe(violation: dict) -> str:
    targets = [" ".join(node["target"]) for node in violation["nodes"][:5]]
    return f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}"


def assert_accessible(page) -> None:
    """Fail when the page has a serious or critical accessibility violation."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not blocking, f"{page.url}:\n" + "\n".join(describe(v) for v in blocking)
