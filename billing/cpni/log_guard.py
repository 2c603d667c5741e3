"""The CPNI disclosure log is append-only (docs/cpni.md): a guard on every flush and ORM
statement refuses to update or delete an entry, whoever the caller is. The one exception
is the sealer's own statement (audit.seal_batch), marked with the SEALING option, which
only fills in the sequence and hashes of unsealed entries.

The database refuses the same changes from anyone else (triggers, migration a7c3e91d5b20);
the keyed hash chain and the checkpoints (audit.py) show tampering after the fact.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from billing.core.errors import InvalidInput
from billing.cpni.audit import SEALING
from billing.cpni.models import CpniDisclosure


def _refuse_log_change():
    raise InvalidInput("The CPNI disclosure log is append-only; entries cannot change.")


def _changed(obj) -> bool:
    return any(attr.history.has_changes() for attr in inspect(obj).attrs)


@event.listens_for(Session, "before_flush")
def refuse_changes_to_the_disclosure_log(session, flush_context, instances):
    if any(isinstance(obj, CpniDisclosure) for obj in session.deleted):
        _refuse_log_change()
    if any(isinstance(obj, CpniDisclosure) and _changed(obj) for obj in session.dirty):
        _refuse_log_change()


@event.listens_for(Session, "do_orm_execute")
def refuse_bulk_changes_to_the_disclosure_log(state):
    if state.execution_options.get(SEALING) and state.is_update:
        return
    if (state.is_update or state.is_delete) and any(
            mapper.class_ is CpniDisclosure for mapper in state.all_mappers):
        _refuse_log_change()
