"""The availability report page: staff only, a table, and a year of bars per platform."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from billing.core.clock import PROVIDER_TZ
from billing.sla.credits import record_outage
from tests.conftest import login
from tests.factories import NOW, make_user

URL = "/staff/availability?month=2026-01"


@pytest.fixture
def outage(session, world):
    start = datetime(2026, 1, 6, 9, tzinfo=PROVIDER_TZ).astimezone(UTC)
    record_outage(session, ref="INC-60", started_at=start, ended_at=start + timedelta(hours=1),
                  cause="provider", summary="SBC failover", platform="voice")
    session.commit()


def _svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


def test_staff_see_the_table_and_a_chart_of_twelve_bars_per_platform(login_as, outage):
    response = login_as("staff").get(URL)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    table = page[page.index('id="availability"'):page.index("</table>")]
    # (44,640 - 60) / 44,640 = 99.8656 %
    assert "44,640" in table and "99.8656%" in table and "100.00%" in table
    charts = _svgs(page)
    assert len(charts) == 2
    for chart in charts:
        assert len(re.findall(r'<rect class="chart-bar', chart)) == 12
        assert 'class="chart-target"' in chart and "style=" not in chart
    assert charts[0].count("chart-bar-below") == 1  # January's voice bar misses 99.95 %
    assert "charts.css" in page and "<script" not in page


def test_an_admin_sees_the_report_too(app, session, world):
    admin = make_user(session, "admin@staff.test", "admin",
                      totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", totp_enabled_at=NOW)
    session.commit()
    client = app.test_client()
    login(client, admin)
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("user", ["channel_admin", "customer_admin"])
def test_partners_and_customers_get_not_found(login_as, user):
    assert login_as(user).get(URL).status_code == 404


@pytest.mark.parametrize("month, message", [
    ("2026-13", "not a month"), ("January", "not a month"), ("2099-01", "has ended"),
])
def test_a_bad_month_is_refused(login_as, month, message):
    response = login_as("staff").get(f"/staff/availability?month={month}")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
