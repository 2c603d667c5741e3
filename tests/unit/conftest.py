"""Fixtures for the unit tests of the rules."""

import os
import time

import pytest


@pytest.fixture
def server_time_zone():
    """Set the server's own clock (the TZ of the process) to a zone for one test.

    The rules work on the provider's clock whatever zone the server runs in; a test
    that moves the server far from Denver catches a rule reading the host's zone.
    """
    before = os.environ.get("TZ")

    def set_zone(name: str) -> None:
        os.environ["TZ"] = name
        time.tzset()

    yield set_zone
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()
