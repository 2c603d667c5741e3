"""GET /api/v1/ageing: totals per currency and bucket within the partner cut."""

from __future__ import annotations

import pytest

from billing.core.clock import utcnow
from billing.parties import identity
from tests.ageing_helpers import AS_OF, WITHHELD_MARKERS, build_aged_world


@pytest.fixture
def aged(session, world):
    return build_aged_world(session, world)


def _get(client, session, user, query=""):
    _, secret = identity.create_api_token(session, user=user, name="ageing", now=utcnow())
    session.commit()
    return client.get(f"/api/v1/ageing{query}", headers={"Authorization": f"Bearer {secret}"})


def test_a_partner_gets_totals_of_approved_accounts_and_the_count_left_out(
        client, session, world, aged):
    response = _get(client, session, world.users["channel_admin"], f"?as_of={AS_OF}")
    assert response.status_code == 200
    data = response.get_json()["data"]
    assert (data["as_of"], data["withheld_accounts"]) == ("2026-06-30", 4)
    [usd] = data["currencies"]  # the CAD account has not approved: no CAD at all
    assert usd["accounts"] == 1
    assert {k: v["minor"] for k, v in usd["buckets"].items()} == {
        "current": 100_00, "1-30": 150_00, "31-60": 100_00, "61-90": 0, "90+": 0,
        "disputed": 40_00}
    assert usd["collectible"]["minor"] == 350_00
    text = response.get_data(as_text=True)
    assert not [m for m in WITHHELD_MARKERS if m in text]


def test_staff_get_every_account_aggregated(client, session, world, aged):
    data = _get(client, session, world.users["staff"], f"?as_of={AS_OF}").get_json()["data"]
    cad = [c for c in data["currencies"] if c["currency"] == "CAD"][0]
    assert (cad["buckets"]["61-90"]["minor"], cad["buckets"]["90+"]["minor"]) == (80_00, 70_00)
    assert data["withheld_accounts"] is None


@pytest.mark.parametrize("query, status", [("?as_of=2026-02-30", 400), ("?day=2026-01-01", 400),
                                           ("?as_of=2031-01-01", 200), ("", 200),
                                           ("?as_of=9999-12-31", 400), ("?as_of=1999-12-31", 400)])
def test_the_day_is_checked(client, session, world, aged, query, status):
    assert _get(client, session, world.users["channel_admin"], query).status_code == status
