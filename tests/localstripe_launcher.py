"""Runs the localstripe fake Stripe server for the tests: 127.0.0.1 only, empty, in memory.

Started as a subprocess by tests/stripe_server.py. localstripe's own `start()` listens on
every interface and reloads (and rewrites on every change) a pickle at a fixed path under
/tmp, so two runs would share their state; this launcher binds to 127.0.0.1 on a free
port, prints that port on its first line of output, and keeps the state in memory only.

It also teaches the fake what real Stripe does and the adapter relies on: listing
payment intents and refunds filtered by `created[gte]`/`created[gt]`, and attaching the
method of a succeeded setup intent to the intent's customer.
"""

from __future__ import annotations

import os
import socket
import sys
import threading

from aiohttp import web
from localstripe import resources
from localstripe.errors import UserError
from localstripe.server import app


def _keep_in_memory() -> None:
    resources.Store.dump_to_disk = lambda self: None
    resources.Store.try_load_from_disk = lambda self: None


def _created_filter(created) -> int:
    """The lower bound of a `created` filter, as Stripe accepts it (gt or gte only)."""
    if not isinstance(created, dict) or not set(created) <= {"gt", "gte"} or not created:
        raise UserError(400, "Only created[gt] and created[gte] are supported here")
    if "gte" in created:
        return int(created["gte"])
    return int(created["gt"]) + 1


def _listing_by_creation(cls) -> None:
    original = cls._api_list_all.__func__

    def list_all(klass, url, created=None, **kwargs):
        listing = original(klass, url, **kwargs)
        if created is not None:
            since = _created_filter(created)
            listing._list = [item for item in listing._list if item.created >= since]
        return listing

    cls._api_list_all = classmethod(list_all)


def _setup_attaches_method() -> None:
    """A succeeded setup intent attaches its method to its customer, as Stripe does."""
    original = resources.SetupIntent._attach_pm

    def attach(self, method):
        original(self, method)
        if self.status == "succeeded" and self.customer:
            method.customer = self.customer

    resources.SetupIntent._attach_pm = attach


def _exit_with_parent() -> None:
    """The test run holds our stdin open; when it ends, however abruptly, so do we."""

    def watch():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main() -> None:
    _keep_in_memory()
    resources.store.clear()
    _listing_by_creation(resources.PaymentIntent)
    _listing_by_creation(resources.Refund)
    _setup_attaches_method()
    _exit_with_parent()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(sock.getsockname()[1], flush=True)
    web.run_app(app, sock=sock, print=None, access_log=None)


if __name__ == "__main__":
    sys.exit(main())
