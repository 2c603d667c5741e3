"""The `stripe_server` fixture: one localstripe fake Stripe server per test run.

It runs tests/localstripe_launcher.py in a subprocess, so the fake's module-level state
(its object store, its webhook endpoints, its event loop) never mixes with the tests'
own, and ends it when the session ends. The server listens on 127.0.0.1 only and starts
empty every time; nothing is written to disk.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

LAUNCHER = Path(__file__).with_name("localstripe_launcher.py")
START_TIMEOUT = 20


@dataclass(frozen=True)
class StripeServer:
    """Where the fake server answers, and the key and script the portal should use."""

    url: str
    api_key: str = "sk_test_portal_localstripe"
    publishable_key: str = "pk_test_portal_localstripe"

    @property
    def js_url(self) -> str:
        """The mock of Stripe.js v3 (Elements), to load instead of Stripe's own script."""
        return f"{self.url}/js.stripe.com/v3/"

    def register_webhook(self, url: str, secret: str, events: list[str] | None = None,
                         *, name: str = "portal") -> None:
        """Sends every event (or only `events`) to `url`, signed with `secret`, once each.

        Registering again under the same `name` replaces that endpoint.
        """
        body = {"url": url, "secret": secret}
        if events is not None:
            body["events"] = list(events)
        request = urllib.request.Request(
            f"{self.url}/_config/webhooks/{name}",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert answer.status == 200, answer.status

    def create_card(self, number: str, *, exp_month: int = 12, exp_year: int = 2030) -> str:
        """A card payment method made from a test card number (which only the fake takes
        from a server; real Stripe wants the number typed into Elements)."""
        body = urllib.parse.urlencode({
            "type": "card", "card[number]": number, "card[exp_month]": exp_month,
            "card[exp_year]": exp_year, "card[cvc]": "123",
        }).encode()
        request = urllib.request.Request(
            f"{self.url}/v1/payment_methods", data=body,
            headers={"Authorization": f"Bearer {self.api_key}"}, method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.load(answer)["id"]

    def forget_webhook(self, *, name: str = "portal") -> None:
        """localstripe cannot delete an endpoint: this one is left subscribed to nothing."""
        self.register_webhook("http://127.0.0.1:9/", "unused", events=[], name=name)


def _start(log) -> tuple[subprocess.Popen, int]:
    """Starts the launcher; its first line of output is the port it bound."""
    process = subprocess.Popen(
        [sys.executable, str(LAUNCHER)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
    )
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout=START_TIMEOUT)
        line = process.stdout.readline().strip() if ready else ""
        if not line.isdigit():
            log.seek(0)
            raise RuntimeError(f"localstripe did not start: {log.read()[-2000:]}")
        return process, int(line)
    except BaseException:
        _stop(process)
        raise


def _stop(process: subprocess.Popen) -> None:
    process.stdin.close()
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.stdout.close()


@pytest.fixture(scope="session")
def stripe_server():
    """A fresh localstripe on 127.0.0.1 for the whole run (skipped if not installed)."""
    pytest.importorskip("localstripe", reason="localstripe is not installed (test extra)")
    with tempfile.TemporaryFile("w+") as log:
        process, port = _start(log)
        try:
            yield StripeServer(url=f"http://127.0.0.1:{port}")
        finally:
            _stop(process)
