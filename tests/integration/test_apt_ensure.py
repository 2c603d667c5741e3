"""`.ci/apt-ensure` (run by `make run` and `make test`) waits while another package
install holds apt's or dpkg's lock, instead of failing at once.

apt-get, dpkg and id are stand-ins on PATH: the tests install nothing and need no root.
"""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "apt-ensure"
LOCKED = ("E: Could not get lock /var/lib/apt/lists/lock. It is held by process 4242 "
          "(apt-get)\nE: Unable to lock directory /var/lib/apt/lists/")

# Logs each call; the first FAKE_LOCKED_CALLS calls of the verb FAKE_LOCKED_VERB (update,
# unless told) are refused with apt's lock message.
FAKE_APT_GET = """#!/usr/bin/env bash
echo "$*" >> "$FAKE_DIR/calls"
if [ -n "${FAKE_ERROR:-}" ]; then echo "$FAKE_ERROR" >&2; exit 100; fi
verb=$3
[ "$verb" = "${FAKE_LOCKED_VERB:-update}" ] || exit 0
count=$(( $(cat "$FAKE_DIR/count" 2>/dev/null || echo 0) + 1 ))
echo "$count" > "$FAKE_DIR/count"
if [ "$count" -le "${FAKE_LOCKED_CALLS:-0}" ]; then echo "$FAKE_LOCKED" >&2; exit 100; fi
"""


@pytest.fixture
def fake_system(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {"apt-get": FAKE_APT_GET, "dpkg": "#!/bin/sh\nexit 1\n",
               "id": "#!/bin/sh\necho 0\n", "fc-cache": "#!/bin/sh\nexit 0\n"}
    for name, body in scripts.items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    return tmp_path


def run(fake_system, **env):
    environment = {**os.environ, "PATH": f"{fake_system / 'bin'}:{os.environ['PATH']}",
                   "FAKE_DIR": str(fake_system), "FAKE_LOCKED": LOCKED,
                   "APT_LOCK_POLL": "0", **env}
    result = subprocess.run([str(SCRIPT), "libpango-1.0-0"], env=environment,
                            capture_output=True, text=True, timeout=60)
    calls = (fake_system / "calls").read_text().splitlines()
    return result, calls


def test_update_waits_for_the_lock_then_installs(fake_system):
    result, calls = run(fake_system, FAKE_LOCKED_CALLS="3")
    assert result.returncode == 0, result.stderr
    assert "Waiting for another package install to finish" in result.stderr
    assert "held by process 4242" in result.stderr
    assert result.stderr.count("Waiting for another") == 1  # said once, not per retry
    verbs = [call.split()[2] for call in calls]
    assert verbs == ["update"] * 4 + ["install"]  # three refusals, then it went through
    assert "libpango-1.0-0" in calls[4]
    assert all("DPkg::Lock::Timeout=600" in call for call in calls)


def test_install_waits_for_the_lock_too(fake_system):
    result, calls = run(fake_system, FAKE_LOCKED_VERB="install", FAKE_LOCKED_CALLS="2")
    assert result.returncode == 0, result.stderr
    assert "Waiting for another package install to finish" in result.stderr
    assert [call.split()[2] for call in calls] == ["update"] + ["install"] * 3


def test_gives_up_when_the_lock_is_still_held_after_the_wait(fake_system):
    result, calls = run(fake_system, FAKE_LOCKED_CALLS="1000", APT_LOCK_WAIT="0")
    assert result.returncode == 1
    assert "Gave up" in result.stderr and "holds the lock" in result.stderr
    assert len(calls) == 1


def test_fails_at_once_on_an_error_that_is_not_the_lock(fake_system):
    result, calls = run(fake_system, FAKE_ERROR="E: Unable to locate package nope")
    assert result.returncode == 1
    assert "Unable to locate package nope" in result.stderr
    assert "Waiting" not in result.stderr
    assert len(calls) == 1
