"""Malformed input gets a clear 4xx answer, never a 500, and changes nothing."""

import pytest

from tests.conftest import csrf_token
from tests.factories import PASSWORD


@pytest.mark.parametrize("query, message", [
    ("page=-1", "page must be a whole number"),
    ("page=0", "page must be a whole number"),
    ("page=abc", "page must be a whole number"),
    ("period=2026-13", "is not a period"),
    ("period=March", "is not a period"),
    ("status=lost", "status must be one of"),
    ("customer_id=1;drop", "customer_id must be a number"),
])
def test_invoice_list_parameters(login_as, query, message):
    response = login_as("channel_admin").get(f"/partner/invoices?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("query, message", [
    ("q=" + "a" * 101, "limited to 100 characters"),
    ("cpni=perhaps", "cpni must be one of"),
    ("page=99999999", "page must be a whole number"),
])
def test_customer_list_parameters(login_as, query, message):
    response = login_as("channel_admin").get(f"/partner/customers?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_search_treats_wildcards_literally(login_as):
    page = login_as("channel_admin").get("/partner/customers?q=%25").get_data(as_text=True)
    assert "No accounts match." in page


def test_a_page_past_the_end_is_just_empty(login_as):
    response = login_as("channel_admin").get("/partner/invoices?page=50")
    assert response.status_code == 200 and "No invoices match." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/partner/invoices/abc", "/partner/invoices/-5",
                                 "/partner/customers/1e9", "/partner/invoices/0/pdf"])
def test_junk_ids_are_404(login_as, url):
    assert login_as("channel_admin").get(url).status_code == 404


def test_wrong_password_on_approval_changes_nothing(login_as, session, world):
    from billing.cpni.models import CpniApproval

    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/customer/cpni"), "scope": "billing",
            "partner_id": world.partners["channel"].id, "password": "not-my-password-123"}
    response = client.post("/customer/cpni/grant", data=form)
    assert response.status_code == 400
    assert "password was not correct" in response.get_data(as_text=True)
    assert session.query(CpniApproval).count() == 0


def test_approval_end_date_in_the_past_is_refused(login_as, session, world):
    from billing.cpni.models import CpniApproval

    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/customer/cpni"), "scope": "billing",
            "partner_id": world.partners["channel"].id, "password": PASSWORD,
            "expires_on": "2020-01-01"}
    response = client.post("/customer/cpni/grant", data=form)
    assert response.status_code == 400
    assert session.query(CpniApproval).count() == 0


def test_revoking_when_nothing_is_approved_is_a_clear_error(login_as, world):
    client = login_as("customer_admin")
    form = {"csrf_token": csrf_token(client, "/customer/cpni"),
            "partner_id": world.partners["channel"].id, "password": PASSWORD}
    response = client.post("/customer/cpni/revoke", data=form)
    assert response.status_code == 400
    assert "no approval in force" in response.get_data(as_text=True)


def test_missing_csrf_on_a_state_change_is_refused(login_as, world):
    client = login_as("customer_admin")
    form = {"partner_id": world.partners["channel"].id, "password": PASSWORD, "scope": "billing"}
    assert client.post("/customer/cpni/grant", data=form).status_code == 400


def test_wrong_method_is_405(login_as):
    assert login_as("customer_admin").get("/customer/cpni/grant").status_code == 405


def test_oversized_request_is_413(client, world):
    response = client.post("/auth/login", data={"email": "x" * (11 * 1024 * 1024)})
    assert response.status_code == 413


@pytest.mark.parametrize("query", ["page=²", "page=99999999999", "customer_id=²",
                                   "customer_id=99999999999999999999",
                                   "customer_id=3000000000"])
def test_odd_numbers_in_lists_are_400(login_as, query):
    response = login_as("channel_admin").get(f"/partner/invoices?{query}")
    assert response.status_code == 400


@pytest.mark.parametrize("url", ["/partner/invoices/3000000000", "/partner/invoices/²",
                                 "/partner/customers/99999999999999999999"])
def test_out_of_range_ids_are_404(login_as, url):
    assert login_as("channel_admin").get(url).status_code == 404


def test_odd_token_ids_are_404(login_as):
    client = login_as("channel_admin")
    form = {"csrf_token": csrf_token(client, "/partner/tokens")}
    assert client.post("/partner/tokens/²/revoke", data=form).status_code == 404


@pytest.mark.parametrize("url", ["/partner/customers?q=a%00b", "/api/v1/customers?q=%00"])
def test_nul_bytes_are_refused(login_as, url):
    response = login_as("channel_admin").get(url)
    assert response.status_code in (400, 401) and response.status_code != 500


def test_nul_byte_in_an_anonymous_login_is_400(client, world):
    response = client.post("/auth/login", data={"csrf_token": csrf_token(client, "/auth/login"),
                                                "email": "a\x00@b.test", "password": "x"})
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/staff/runs/{}", "/staff/runs/{}/progress"])
@pytest.mark.parametrize("run_id", ["3000000000", "99999999999999999999", "0", "²",
                                    "1" * 40])
def test_run_ids_beyond_an_id_column_are_404(login_as, path, run_id):
    assert login_as("staff").get(path.format(run_id)).status_code == 404


def test_issuing_a_run_id_beyond_an_id_column_is_404(login_as):
    staff = login_as("staff")
    token = csrf_token(staff, "/staff/runs")
    response = staff.post("/staff/runs/99999999999999999999/issue", data={"csrf_token": token})
    assert response.status_code == 404
