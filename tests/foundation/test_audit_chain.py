"""The audit trail is hash-chained; tampering is detected by verify_audit (and refused by PostgreSQL)."""

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditEvent
from apps.audit.services import GENESIS, audit_record, audit_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(controller, entity_de):
    return [audit_record(action="supplier.create", actor=controller, obj=entity_de, legal_entity=entity_de,
                         after={"name": f"Supplier {n}", "amount": "10.00"}, reason="test", ip_address="10.0.0.1")
            for n in range(3)]


def test_events_chain_to_each_other(chain):
    assert chain[0].prev_hash == GENESIS
    assert [e.prev_hash for e in chain[1:]] == [e.hash for e in chain[:-1]]
    assert audit_verify() == []


def test_verify_audit_command_passes_on_an_intact_chain(chain, capsys):
    call_command("verify_audit")
    assert "audit chain intact: 3 events verified" in capsys.readouterr().out


def _tamper(sql: str, params: list) -> None:
    """Change a row behind the application's back, as an attacker with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # flush deferred FK checks before ALTER TABLE
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_auditevent_append_only")


def test_a_changed_row_breaks_the_chain(chain, capsys):
    _tamper("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["nothing to see", chain[1].id])

    with pytest.raises(SystemExit) as exit_info:
        call_command("verify_audit")

    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert f"audit event {chain[1].id}: content does not match its hash" in err
    assert "audit chain BROKEN" in err


def test_a_deleted_row_breaks_the_chain(chain):
    _tamper("DELETE FROM audit_auditevent WHERE id = %s", [chain[1].id])

    breaks = audit_verify()

    assert [(b.event_id, b.problem.split(":")[0]) for b in breaks] == [(chain[2].id, "previous hash does not match")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the append-only trigger exists on PostgreSQL only")
def test_postgresql_refuses_update_and_delete_of_audit_rows(chain):
    for statement in ("UPDATE audit_auditevent SET reason = 'x'", "DELETE FROM audit_auditevent"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(statement)
    assert AuditEvent.objects.count() == 3
