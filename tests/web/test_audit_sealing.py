"""Sealing the disclosure log: right after the request in the embedded default, only by
the scheduled command with AUDIT_SEALING=worker, and safely with many writers and sealers
at once. "Who saw my data" shows entries before they are sealed."""

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing.cpni import approvals as cpni
from billing.cpni.models import AuditChainHead, CpniDisclosure
from billing.parties.users import User
from portal import audit_log
from tests.audit_helpers import verify
from tests.conftest import login
from tests.factories import NOW, approve


def _view_invoice(app, session, world):
    approve(session, world.customers["channel"], world.partners["channel"])
    session.commit()
    client = app.test_client()
    login(client, world.users["channel_admin"])
    invoice = world.invoices["channel"]
    assert client.get(f"/partner/invoices/{invoice.id}").status_code == 200
    session.rollback()
    return invoice


def _checkpoints(app) -> list[str]:
    return [line for path in Path(app.config["AUDIT_CHECKPOINT_DIR"]).glob("*.jsonl")
            for line in path.read_text().splitlines()]


def test_a_partners_view_is_sealed_right_after_the_request(app, session, world):
    _view_invoice(app, session, world)
    entry = session.scalars(select(CpniDisclosure)).one()
    assert entry.sequence == 1 and entry.entry_hash
    assert session.get(AuditChainHead, "cpni_disclosure").last_sequence == 1
    assert len(_checkpoints(app)) == 1
    assert verify(session).ok


def test_with_a_worker_the_view_waits_unsealed_and_the_customer_sees_it(app, session, world):
    app.config["AUDIT_SEALING"] = "worker"
    try:
        invoice = _view_invoice(app, session, world)
    finally:
        app.config["AUDIT_SEALING"] = "inline"
    assert session.scalars(select(CpniDisclosure.sequence)).one() is None
    assert _checkpoints(app) == []
    customer = app.test_client()
    login(customer, world.users["customer_admin"])
    page = customer.get("/customer/disclosures").get_data(as_text=True)
    assert f"invoice {invoice.number}" in page and world.users["channel_admin"].name in page
    result = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert "Sealed 1 entries." in result.output and len(_checkpoints(app)) == 1
    assert verify(session).ok and verify(session).entries == 1


@pytest.mark.postgres_only
def test_eight_writers_each_sealing_after_itself_make_one_unbroken_chain(app, session, world,
                                                                        db):
    writers = [world.users[key].id for key in ("channel_admin", "staff")] * 4
    customer_ids = [c.id for c in world.customers.values()]
    session.commit()
    barrier = threading.Barrier(len(writers))

    def write(user_id):
        with app.app_context(), Session(db.engine) as own:
            user = own.get(User, user_id)
            barrier.wait()
            for _ in range(5):
                cpni.record_disclosures(
                    own, user=user, customer_ids=customer_ids, surface="page",
                    purposes=dict.fromkeys(customer_ids, "billing"), subject="list", now=NOW)
                own.commit()
                audit_log.seal(wait=False)  # as after a request: skip if another seals

    threads = [threading.Thread(target=write, args=(user_id,)) for user_id in writers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    audit_log.seal()  # what the scheduled sealer would take of any left behind
    total = len(writers) * 5 * len(customer_ids)
    assert session.scalar(select(func.count(CpniDisclosure.sequence))) == total
    verdict = verify(session)
    assert verdict.ok and verdict.entries == total
