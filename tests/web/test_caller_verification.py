"""Customers make their CPNI passcode; staff taking a call verify the caller by one of the
four methods before CPNI shows, and every disclosure on the call names the method."""

import re

import pytest
from sqlalchemy import select

from billing.cpni import passcodes
from billing.cpni.compliance_models import CallerVerification
from billing.cpni.models import CpniDisclosure
from tests.audit_helpers import verify
from tests.conftest import csrf_token, login
from tests.factories import NOW, PASSWORD
from tests.pdf.pdftext import pdf_text

SERVICE, LINE = "ZEBRA-SERVICE-7731", "QUOKKA-LINE-4410"


SEAL = passcodes.PasscodeSeal("test-secret-key-that-is-long-enough-0123456789")


def _rotate(client, password=PASSWORD):
    token = csrf_token(client, "/customer/passcode")
    return client.post("/customer/passcode", data={"csrf_token": token, "password": password})


def _show(client, password):
    token = csrf_token(client, "/customer/passcode")
    return client.post("/customer/passcode/show", data={"show-csrf_token": token,
                                                        "show-password": password})


def _shown_passcode(response) -> str:
    return re.search(r'id="passcode">([^<]+)<', response.get_data(as_text=True)).group(1)


def _body(message) -> str:
    return message.get_payload(decode=True).decode()


# The customer's side


def test_admin_makes_a_passcode_and_sees_it_again_with_its_password(login_as, session,
                                                                      world, mailbox):
    client = login_as("customer_admin")
    assert "Not set yet" in client.get("/customer/passcode").get_data(as_text=True)
    response = _rotate(client)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    passcode = _shown_passcode(response)
    customer = world.customers["channel"]
    session.refresh(customer)
    passcodes.check_passcode(session, customer, passcode, NOW)
    session.commit()  # the check writes the account's throttle row
    again = client.get("/customer/passcode").get_data(as_text=True)
    assert passcode not in again and "Set on" in again  # not without the password
    wrong = _show(client, "not-my-password")
    assert wrong.status_code == 400 and passcode not in wrong.get_data(as_text=True)
    shown = _show(client, PASSWORD)
    assert shown.status_code == 200 and shown.headers["Cache-Control"] == "no-store"
    assert _shown_passcode(shown) == passcode


def test_a_passcode_sealed_under_another_secret_key_cannot_be_shown(login_as, app, world):
    client = login_as("customer_admin")
    _rotate(client)
    key = app.config["SECRET_KEY"]
    try:
        app.config["SECRET_KEY"] = key + "-rotated"
        with client.session_transaction() as cookie:
            cookie.clear()  # sessions signed with the old key are gone too
        login(client, world.users["customer_admin"])
        response = _show(client, PASSWORD)
    finally:
        app.config["SECRET_KEY"] = key
    assert response.status_code == 400
    assert "make a new one" in response.get_data(as_text=True)


def test_rotating_needs_the_password_and_a_wrong_one_changes_nothing(
        login_as, session, world, mailbox):
    client = login_as("customer_admin")
    assert _rotate(client, password="not-my-password").status_code == 400
    assert _rotate(client, password="").status_code == 400
    session.refresh(world.customers["channel"])
    assert world.customers["channel"].cpni_passcode_hash is None
    assert mailbox.messages == []


def test_the_change_notice_goes_to_the_address_of_record_without_the_passcode(
        login_as, world, mailbox):
    client = login_as("customer_admin")
    passcode = _shown_passcode(_rotate(client))
    customer = world.customers["channel"]
    assert [m["To"] for m in mailbox.messages] == [customer.email_of_record]
    message = mailbox.messages[0]
    text = message["Subject"] + _body(message)
    assert customer.account_number in message["Subject"] and "passcode" in text
    assert passcode not in text and passcode.replace("-", "") not in text


def test_a_new_passcode_replaces_the_old_one(login_as, session, world, mailbox):
    client = login_as("customer_admin")
    first, second = _shown_passcode(_rotate(client)), _shown_passcode(_rotate(client))
    customer = world.customers["channel"]
    session.refresh(customer)
    with pytest.raises(passcodes.PasscodeRefused):
        passcodes.check_passcode(session, customer, first, NOW)
    passcodes.check_passcode(session, customer, second, NOW)
    assert len(mailbox.messages) == 2


@pytest.mark.parametrize("user", ["customer_user", "location_admin"])
def test_only_a_top_level_admin_has_the_passcode_page(login_as, client, user):
    login_as(user)
    assert client.get("/customer/passcode").status_code == 404
    token = csrf_token(client, "/customer/")
    response = client.post("/customer/passcode", data={"csrf_token": token,
                                                       "password": PASSWORD})
    assert response.status_code == 404


# The staff side


def _urls(world, key="other"):
    return (f"/staff/customers/{world.customers[key].id}",
            f"/staff/invoices/{world.invoices[key].id}")


def _verify(client, world, key="other", **form):
    url = f"/staff/customers/{world.customers[key].id}"
    return client.post(f"{url}/call", data={"csrf_token": csrf_token(client, url), **form})


def _sees_cpni(client, world, key="other") -> dict:
    customer_url, invoice_url = _urls(world, key)
    return {
        "customer page": SERVICE in client.get(customer_url).get_data(as_text=True),
        "invoice page": LINE in client.get(invoice_url).get_data(as_text=True),
        "invoice PDF": LINE in pdf_text(client.get(f"{invoice_url}/pdf").data),
    }


def _logged(session):
    session.expire_all()
    return session.execute(select(CpniDisclosure.surface, CpniDisclosure.purpose,
                                  CpniDisclosure.verification)
                           .order_by(CpniDisclosure.sequence)).all()


def test_cpni_stays_hidden_until_the_caller_is_verified(login_as, session, world):
    client = login_as("staff")
    customer = world.customers["other"]
    page = client.get(_urls(world)[0]).get_data(as_text=True)
    assert "Taking a call from this customer" in page
    assert customer.phone_of_record in page and customer.email_of_record in page
    assert "No passcode has been set" in page
    assert _sees_cpni(client, world) == dict.fromkeys(
        ["customer page", "invoice page", "invoice PDF"], False)
    assert _logged(session) == []


def test_a_wrong_passcode_records_nothing_and_shows_nothing(login_as, session, world):
    customer = world.customers["other"]
    passcodes.rotate_passcode(customer, NOW, SEAL)
    session.commit()
    client = login_as("staff")
    response = _verify(client, world, method="passcode", passcode="AAAA-AAAA")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "That passcode is not correct" in page and SERVICE not in page
    assert not any(_sees_cpni(client, world).values())
    assert session.scalars(select(CallerVerification)).all() == [] and _logged(session) == []


def test_after_the_passcode_cpni_shows_and_every_disclosure_names_it(
        app, login_as, session, world):
    customer = world.customers["other"]
    passcode = passcodes.rotate_passcode(customer, NOW, SEAL)
    session.commit()
    client = login_as("staff")
    response = _verify(client, world, method="passcode", passcode=passcode.lower())
    assert response.status_code == 302
    assert all(_sees_cpni(client, world).values())
    assert _logged(session) == [("page", "support", "passcode"), ("page", "support", "passcode"),
                                ("pdf", "support", "passcode")]
    verification = session.scalars(select(CallerVerification)).one()
    assert (verification.customer_id, verification.staff_id, verification.method) == (
        customer.id, world.users["staff"].id, "passcode")
    assert verify(session).ok
    session.rollback()  # the command starts its own snapshot on PostgreSQL
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "OK: 3 entries" in result.output


@pytest.mark.parametrize("method", ["call_back"])
def test_the_other_methods_are_recorded_and_logged(login_as, session, world, method):
    """E-mail and postal mail of record send instead: tests/web/test_caller_sending.py."""
    client = login_as("staff")
    assert _verify(client, world, method=method).status_code == 302
    page = client.get(_urls(world)[0]).get_data(as_text=True)
    assert SERVICE in page and "On a call with this customer" in page
    assert session.scalars(select(CallerVerification.method)).all() == [method]
    assert _logged(session) == [("page", "support", method)]


def test_passcode_method_needs_the_passcode_typed(login_as, session, world):
    passcodes.rotate_passcode(world.customers["other"], NOW, SEAL)
    session.commit()
    client = login_as("staff")
    assert _verify(client, world, method="passcode", passcode="").status_code == 400
    assert _verify(client, world, method="guess").status_code == 400
    assert session.scalars(select(CallerVerification)).all() == []


def test_another_customers_verification_does_not_open_this_one(login_as, session, world):
    client = login_as("staff")
    assert _verify(client, world, key="direct", method="call_back").status_code == 302
    assert not any(_sees_cpni(client, world, key="other").values())
    assert _logged(session) == []


def test_five_wrong_passcodes_lock_the_account_even_for_the_right_one(
        login_as, session, world):
    passcode = passcodes.rotate_passcode(world.customers["other"], NOW, SEAL)
    session.commit()
    client = login_as("staff")
    for _ in range(5):
        _verify(client, world, method="passcode", passcode="AAAA-AAAA")
    response = _verify(client, world, method="passcode", passcode=passcode)
    assert response.status_code == 400
    assert "passcode checks are locked" in response.get_data(as_text=True)
    assert not any(_sees_cpni(client, world).values())


def test_ending_the_call_hides_cpni_again(login_as, world):
    client = login_as("staff")
    _verify(client, world, method="call_back")
    url = _urls(world)[0]
    client.post(f"{url}/call/end", data={"csrf_token": csrf_token(client, url)})
    assert not any(_sees_cpni(client, world).values())


def test_work_without_a_caller_is_not_logged_as_the_call(login_as, session, world):
    client = login_as("staff")
    _verify(client, world, method="postal_mail")
    url = _urls(world)[0]
    client.post(f"{url}/cpni", data={"csrf_token": csrf_token(client, url),
                                     "purpose": "billing"})
    client.get(_urls(world)[1])
    assert _logged(session)[-1] == ("page", "billing", None)


def test_a_new_caller_closes_what_the_last_one_opened(login_as, session, world):
    passcodes.rotate_passcode(world.customers["other"], NOW, SEAL)
    session.commit()
    client = login_as("staff")
    _verify(client, world, method="call_back")
    assert _verify(client, world, method="passcode", passcode="AAAA-AAAA").status_code == 400
    assert not any(_sees_cpni(client, world).values())


def test_a_call_left_quiet_for_half_an_hour_closes_by_itself(login_as, world):
    """A verification is for one call: a later caller must be verified anew."""
    from portal.staff.calls import CALL_MINUTES

    client = login_as("staff")
    _verify(client, world, method="call_back")
    assert all(_sees_cpni(client, world).values())
    key = str(world.customers["other"].id)
    with client.session_transaction() as cookie:
        stamp = cookie["cpni_call_at"][key]
        cookie["cpni_call_at"] = {key: stamp - (CALL_MINUTES - 1) * 60}
    assert all(_sees_cpni(client, world).values())  # still within the call: kept open
    with client.session_transaction() as cookie:
        cookie["cpni_call_at"] = {key: cookie["cpni_call_at"][key] - (CALL_MINUTES + 1) * 60}
    assert not any(_sees_cpni(client, world).values())
