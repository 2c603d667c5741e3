"""The staff import page: a checked upload, row-level problems, limits on size and type."""

import io

from sqlalchemy import func, select

from billing.parties.models import Partner
from tests.conftest import csrf_token

HEADER = b"code,name,kind,parent_code,brand_name,brand_color\n"


def upload(client, data: bytes, filename="partners.csv", kind="partners"):
    form = {"csrf_token": csrf_token(client, "/staff/imports"), "kind": kind,
            "file": (io.BytesIO(data), filename)}
    return client.post("/staff/imports", data=form, content_type="multipart/form-data")


def partners(session):
    return session.scalar(select(func.count()).select_from(Partner))


def test_a_good_file_is_imported(login_as, session, world):
    before = partners(session)
    response = upload(login_as("staff"), HEADER + b"NEW-1,New Partner,channel,,,\n")
    assert response.status_code == 200
    assert "Imported 1 rows: 1 new, 0 updated." in response.get_data(as_text=True)
    assert partners(session) == before + 1


def test_bad_rows_are_listed_and_nothing_is_saved(login_as, session, world):
    before = partners(session)
    response = upload(login_as("staff"), HEADER + b"NEW-1,New,channel,,,\nNEW-2,<b>x</b>,"
                                                  b"reseller,,,\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Nothing was imported" in page
    assert "&#39;reseller&#39; is not one of" in page  # shown escaped, in its row
    assert partners(session) == before


def test_only_csv_files_are_accepted(login_as, world):
    response = upload(login_as("staff"), HEADER, filename="partners.xlsx")
    assert response.status_code == 400
    assert "Only .csv files can be imported." in response.get_data(as_text=True)


def test_a_file_in_another_encoding_gets_a_clear_message(login_as, world):
    response = upload(login_as("staff"), HEADER + "X,Café,channel,,,\n".encode("latin-1"))
    assert response.status_code == 400 and "not UTF-8" in response.get_data(as_text=True)


def test_an_oversized_upload_is_413_with_a_message(login_as, world):
    client = login_as("staff")
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + HEADER + b"x" * (11 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    response = client.post("/staff/imports", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 413
    assert "limited to 10 MB" in response.get_data(as_text=True)


def test_imports_are_for_staff_only(login_as):
    assert login_as("channel_admin").get("/staff/imports").status_code == 404


CUSTOMERS = (b"account_number,name,parent_account,pays_own_charges,partner_code,email,phone,"
             b"address_line1,address_line2,city,region,postal_code,country,locale,currency,"
             b"billing_role\n")


def test_an_import_that_changes_contact_details_tells_the_old_address(login_as, session,
                                                                     world, mailbox):
    """The account holder hears of a changed e-mail or postal address of record however
    it was changed, here by a staff import, at the address as it was, without the new."""
    direct = world.customers["direct"]
    old_email = direct.email_of_record
    row = (f"{direct.account_number},{direct.name},,no,,new-ap@direct.example,"
           f"{direct.phone_of_record},9 Other Road,,Boulder,CO,80301,US,en_US,USD,\n")
    unchanged = (f"{world.customers['other'].account_number},Other Customer,,no,CH2,"
                 f"{world.customers['other'].email_of_record},+1-303-555-0100,1 Test Street,,"
                 f"Denver,CO,80202,US,en_US,USD,\n")
    response = upload(login_as("staff"), CUSTOMERS + row.encode() + unchanged.encode(),
                      filename="customers.csv", kind="customers")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    to_old = [m for m in mailbox.messages if m["To"] == old_email]
    assert len(to_old) == 1
    raw = to_old[0].as_string()
    assert "new-ap@direct.example" not in raw and "9 Other Road" not in raw
    assert [m["To"] for m in mailbox.messages].count("new-ap@direct.example") == 1
    assert world.customers["other"].email_of_record not in [m["To"] for m in mailbox.messages]


def test_a_cell_longer_than_the_csv_limit_names_its_line_and_saves_nothing(login_as, session,
                                                                           world):
    before = partners(session)
    data = HEADER + b"NEW-1,New Partner,channel,,,\nNEW-2," + b"x" * 140_000 + b",channel,,,\n"
    response = upload(login_as("staff"), data)
    assert response.status_code == 400
    assert "Line 3: a cell is longer than 131,072 characters" in response.get_data(as_text=True)
    assert partners(session) == before
