"""Load a workbench-sized world into PostgreSQL fast: exceptions, sync records and attempts by COPY.

    python -m bench.workbench_data --database-url postgres://postgres@127.0.0.1:5432/finsync_wbbench --fresh
    python -m bench.workbench_data --exceptions 10000            # small: 10,000 exceptions, 100,000 records

Options (all optional):
  --database-url URL   the database to fill (default: $DATABASE_URL); must be PostgreSQL
  --fresh              drop and re-create that database first (it is named by the URL)
  --exceptions N       business exceptions to create (default 1,000,000)
  --records M          sync records to create (default 10 × N); every exception has its own record
  --seed S             random seed (default 7): the same arguments give the same data
  --no-vacuum          skip VACUUM ANALYZE at the end (do it yourself before measuring)

What it makes: the demo world (`demo_seed`: 4 legal entities, suppliers, bank accounts, payment batches,
periods, users, connectors and mappings) and then, by COPY, M sync records in business chains that share a
correlation id (procurement invoice → ERP journal + treasury commitment; treasury payment → bank → ERP and
treasury status; supplier onboarding → ERP; journal events; bank files), N exceptions on as many of those
records with realistic distributions (entities DE01 40 %, US01 25 %, GB01 20 %, NL01 10 %, no entity 5 %;
27 kinds, weighted; status by age — recent cases are mostly open, old ones mostly resolved; a Zipf spread of
causes per kind and system so that a few fingerprints hold tens of thousands of members and most hold a
handful; owners, resolutions, SLA due times by severity), and 1–3 attempts for each exception's record.
Delivered records without an exception get no attempt rows (that would be another 9 M rows the workbench
never reads). No audit events are generated (the audit chain is hashed row by row; the workbench reads it
through the (object_type, object_id) index).

Secondary indexes and unique constraints of the three big tables are dropped before the load and rebuilt
after it (definitions read from the catalogue, so indexes added by later migrations are rebuilt too);
foreign keys are not checked during COPY (session_replication_role = replica; the generator makes them
consistent). The open-exception tally (apps.exceptions.tally) is recounted after the load. It prints one JSON
line with row counts and timings last.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
import tempfile
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from itertools import accumulate

TABLES = ("sync_syncrecord", "sync_syncattempt", "exceptions_exceptioncase")
ENTITY_WEIGHTS = {"DE01": 40, "US01": 25, "GB01": 20, "NL01": 10, None: 5}

# Business chains: (weight, [(connector code, direction, flow, object_type, prefix, parent index)]).
CHAINS = [
    (30, [("coupa", "inbound", "invoice_approved", "supplier_invoice", "INV", None),
          ("kyriba", "outbound", "invoice_commitment", "commitment", "INV", 0),
          ("sap-s4", "outbound", "ap_invoice_posting", "journal_entry", "INV", 0)]),
    (25, [("kyriba", "inbound", "treasury_payment", "treasury_payment", "PAY", None),
          ("bank-api", "outbound", "treasury_payment", "payment_status", "PAY", 0),
          ("sap-s4", "outbound", "payment_status_writeback", "payment_status", "PAY", 0),
          ("kyriba", "outbound", "payment_status_to_treasury", "payment_status", "PAY", 0)]),
    (20, [("ops-events", "inbound", "journal_posting", "journal_entry", "JE", None)]),
    (10, [("coupa", "inbound", "supplier_onboarding", "supplier", "SUP", None),
          ("sap-s4", "outbound", "supplier_to_erp", "supplier", "SUP", 0)]),
    (15, [("bank-api", "inbound", "bank_file_import", "bank_file", "STMT", None)]),
]

# Kinds an exception on a record of this object type can have, with weights.
KINDS_BY_TYPE = {
    "supplier_invoice": [("invoice.duplicate", 40), ("invoice.match", 35), ("mapping.failed", 10),
                         ("validation.schema", 10), ("mapping.missing", 5)],
    "commitment": [("technical.dead_letter", 60), ("target.rejected", 40)],
    "journal_entry": [("journal.closed_period", 30), ("journal.unknown_account", 25), ("journal.unbalanced", 15),
                      ("journal.intercompany", 10), ("target.rejected", 10), ("technical.dead_letter", 10)],
    "treasury_payment": [("payment.held", 30), ("payment.rejected", 30), ("payment.unacknowledged", 40)],
    "payment_status": [("payment.unmatched_ack", 50), ("technical.dead_letter", 50)],
    "supplier": [("supplier.duplicate", 50), ("supplier.bank_change", 20), ("target.rejected", 30)],
    "bank_file": [("reconciliation.unmatched", 50), ("statement.continuity", 15), ("statement.balance", 15),
                  ("statement.unknown_account", 10), ("statement.unreadable", 10)],
}
ENTITYLESS_KINDS = [("connector.reauthorise", 30), ("record.no_flow", 40), ("sla.breach", 30)]
MESSAGES = {
    "invoice.duplicate": "Invoice {ref} for {amount} {ccy} duplicates invoice {other} of the same supplier",
    "invoice.match": "Invoice {ref} differs from purchase order by {amount} {ccy} (tolerance 1.00)",
    "mapping.failed": "lines[{n}].amount: not a decimal number",
    "validation.schema": "currency: '{ccy}x' is not a valid ISO 4217 code",
    "mapping.missing": "no approved mapping for coupa supplier_invoice is in effect",
    "technical.dead_letter": "Delivery failed after 6 attempts: HTTP 503 from target ({n} ms)",
    "target.rejected": "Target system refused the record: document {ref} is locked by user {n}",
    "journal.closed_period": "Posting date falls into closed period {n:02d}",
    "journal.unknown_account": "Account 6{n:03d} does not exist or is inactive",
    "journal.unbalanced": "Debits and credits differ by {amount} {ccy}",
    "journal.intercompany": "Intercompany legs with partner differ by {amount} {ccy}",
    "payment.held": "Payment {ref} of {amount} {ccy} held: beneficiary name does not match the account",
    "payment.rejected": "Bank rejected payment {ref}: AC04 closed account",
    "payment.unacknowledged": "No pain.002 for payment {ref} after {n} hours",
    "payment.unmatched_ack": "Acknowledgment for unknown end-to-end id {ref}",
    "supplier.duplicate": "Supplier resembles supplier {other} (name similarity {n}%)",
    "supplier.bank_change": "Bank account of supplier changed to an unverified IBAN",
    "reconciliation.unmatched": "Statement line of {amount} {ccy} matched no payment for {n} days",
    "statement.continuity": "Opening balance differs from previous closing balance by {amount} {ccy}",
    "statement.balance": "Entries do not add up to the closing balance: difference {amount} {ccy}",
    "statement.unknown_account": "Statement for account ending {n:04d} that is not configured",
    "statement.unreadable": "Bank file could not be read: unexpected end of file at line {n}",
    "connector.reauthorise": "The connector's refresh token was revoked (HTTP 401, attempt {n})",
    "record.no_flow": "No flow handles 'vendor_credit_{n}' records",
    "sla.breach": "Invoice sync latency {n} minutes exceeds the 30-minute target",
}
CAUSES_PER_KEY = 40  # distinct causes per (kind, system): a Zipf spread gives a few huge fingerprint groups
RESOLUTIONS = [("fixed_at_source", 30), ("replayed", 25), ("auto_resolved", 20), ("master_data_corrected", 10),
               ("duplicate_confirmed", 10), ("other", 5)]


class Weighted:
    """Fast weighted choice from a fixed table."""

    def __init__(self, pairs):
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))

    def pick(self, rng: random.Random):
        return self.values[bisect(self.cum, rng.random() * self.cum[-1])]


def _esc(value) -> str:
    """A value in PostgreSQL COPY text format."""
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value if isinstance(value, str) else str(value)
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _ts(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%d %H:%M:%S.%f+00")


class Copier:
    """Rows of one model written in COPY text format: the generated columns, plus every other NOT NULL column
    filled with its model default (so a column added by a later migration does not break the generator)."""

    def __init__(self, model, columns: list[str], out) -> None:
        from django.db.models import NOT_PROVIDED, GeneratedField

        self.table, self.out = model._meta.db_table, out
        known = set(columns)
        extra = []
        for f in model._meta.concrete_fields:
            if f.column in known or isinstance(f, GeneratedField) or f.null:
                continue
            if f.default is NOT_PROVIDED and getattr(f, "db_default", NOT_PROVIDED) is NOT_PROVIDED:
                raise SystemExit(f"{self.table}.{f.column} is NOT NULL without a default: teach the generator")
            if f.default is not NOT_PROVIDED:
                value = f.get_default()
                extra.append((f.column, json.dumps(value) if f.get_internal_type() == "JSONField" else value))
        self.columns = columns + [c for c, _ in extra]
        self.suffix = "".join("\t" + _esc(v) for _, v in extra)
        self.rows = 0

    def write(self, values) -> None:
        self.out.write("\t".join(map(_esc, values)) + self.suffix + "\n")
        self.rows += 1


def _world():
    """The dimension rows the generated data points to, from the demo world."""
    from django.contrib.auth import get_user_model

    from apps.access.roles import Capability
    from apps.access.selectors import can, entity_ids
    from apps.banking.models import CompanyBankAccount
    from apps.connectors.models import Connector
    from apps.ledger.models import AccountingPeriod
    from apps.masterdata.models import LegalEntity, Supplier
    from apps.treasury.models import PaymentBatch

    entities = {e.code: e for e in LegalEntity.objects.all()}
    per_entity = {}
    users = [u for u in get_user_model().objects.filter(is_active=True) if can(u, Capability.RESOLVE)]
    for code, entity in entities.items():
        per_entity[code] = {
            "id": entity.pk, "ccy": entity.functional_currency,
            "suppliers": list(Supplier.objects.filter(legal_entity=entity).values_list("id", flat=True)),
            "accounts": list(CompanyBankAccount.objects.filter(legal_entity=entity).values_list("id", flat=True)),
            "batches": list(PaymentBatch.objects.filter(legal_entity=entity).values_list("id", flat=True)),
            "periods": list(AccountingPeriod.objects.filter(legal_entity=entity).values_list("id", flat=True)),
            "owners": [u.pk for u in users if entity.pk in entity_ids(u)],
        }
    connectors = {c.code: (c.pk, c.system_id) for c in Connector.objects.all()}
    missing = {code for _, chain in CHAINS for code, *_ in chain} - set(connectors)
    if missing:
        raise SystemExit(f"demo connectors missing: {sorted(missing)} (is FINSYNC_SANDBOX on?)")
    admins = [u.pk for u in users if can(u, Capability.CONFIGURE)] or [users[0].pk]
    return per_entity, connectors, admins


class Generator:
    def __init__(self, *, n_exceptions: int, n_records: int, seed: int, now: datetime) -> None:
        from apps.exceptions.choices import KINDS
        from apps.exceptions.services import SLA_BY_SEVERITY

        self.rng = random.Random(seed)
        self.n_exc, self.n_rec, self.now = n_exceptions, n_records, now
        self.kinds, self.sla = KINDS, SLA_BY_SEVERITY
        self.per_entity, self.connectors, self.admins = _world()
        self.entity_pick = Weighted([(k, w) for k, w in ENTITY_WEIGHTS.items() if k is None or k in self.per_entity])
        self.chain_pick = Weighted([(chain, w) for w, chain in CHAINS])
        self.kind_pick = {t: Weighted(pairs) for t, pairs in KINDS_BY_TYPE.items()}
        self.entityless_pick = Weighted(ENTITYLESS_KINDS)
        zipf = [(i, 1 / (i + 1) ** 1.3) for i in range(CAUSES_PER_KEY)]
        self.cause_pick = Weighted(zipf)
        self.resolution_pick = Weighted(RESOLUTIONS)
        self._fingerprints: dict[tuple, str] = {}

    def fingerprint(self, kind, system_id, record_type, cause) -> str:
        key = (kind, system_id, record_type, cause)
        fp = self._fingerprints.get(key)
        if fp is None:
            fp = hashlib.sha256(f"{kind}|{system_id}|{record_type}|cause {cause}".encode()).hexdigest()
            self._fingerprints[key] = fp
        return fp

    def run(self, conn, workdir: str) -> dict:
        from apps.exceptions.models import ExceptionCase
        from apps.sync.models import SyncAttempt, SyncRecord

        with conn.cursor() as cur:
            cur.execute("SELECT coalesce(max(id), 0) FROM sync_syncrecord")
            next_record = cur.fetchone()[0] + 1
            cur.execute("SELECT coalesce(max(id), 0) FROM sync_syncattempt")
            next_attempt = cur.fetchone()[0] + 1
            cur.execute("SELECT coalesce(max(id), 0) FROM exceptions_exceptioncase")
            next_case = cur.fetchone()[0] + 1
        paths = {t: os.path.join(workdir, f"{t}.copy") for t in TABLES}
        files = {t: open(paths[t], "w", encoding="utf-8") for t in TABLES}  # noqa: SIM115 - closed below
        rec = Copier(SyncRecord, ["id", "created_at", "updated_at", "direction", "connector_id", "flow", "object_type",
                                  "external_id", "payload", "content_hash", "idempotency_key", "correlation_id",
                                  "parent_id", "legal_entity_id", "status", "canonical", "attempt_count",
                                  "delivered_at", "target_external_id", "last_error"], files[TABLES[0]])
        att = Copier(SyncAttempt, ["id", "record_id", "number", "started_at", "finished_at", "outcome", "error",
                                   "latency_ms", "worker", "replay"], files[TABLES[1]])
        exc = Copier(ExceptionCase, ["id", "created_at", "updated_at", "kind", "severity", "status", "title",
                                     "message", "details", "reference", "correlation_id", "record_type",
                                     "fingerprint", "dedup_key", "occurrence_count", "first_seen", "last_seen",
                                     "sla_due_at", "resolved_at", "resolution_code", "resolution_note",
                                     "bank_account_id", "legal_entity_id", "owner_id", "payment_batch_id",
                                     "period_id", "resolved_by_id", "source_system_id", "supplier_id",
                                     "sync_record_id"], files[TABLES[2]])
        rng, made, cases_left = self.rng, 0, self.n_exc
        span = timedelta(days=365).total_seconds()
        seq = 0
        while made < self.n_rec:
            chain = self.chain_pick.pick(rng)[: self.n_rec - made]
            seq += 1
            # Recent days are busier: the square of a uniform draw leans towards "now".
            start = self.now - timedelta(seconds=span * rng.random() ** 2)
            correlation = f"{rng.getrandbits(128):032x}"
            entity_code = self.entity_pick.pick(rng) or "DE01"
            ent = self.per_entity[entity_code]
            ids = []
            for hop, (conn_code, direction, flow, otype, prefix, parent) in enumerate(chain):
                record_id = next_record + made
                ids.append(record_id)
                made += 1
                created = start + timedelta(seconds=hop * rng.randint(1, 90))
                # Selection sampling: exactly n_exceptions records of n_records get a case, spread evenly.
                has_case = rng.random() * (self.n_rec - made + 1) < cases_left
                connector_id, system_id = self.connectors[conn_code]
                ref = f"{prefix}-{created.year}-{seq:08d}"
                amount = f"{rng.randint(100, 9_999_999) / 100:.2f}"
                payload = {"id": ref, "type": otype, "company": entity_code, "amount": amount,
                           "currency": ent["ccy"], "date": created.date().isoformat()}
                payload_text = json.dumps(payload, separators=(",", ":"))
                status, canonical, delivered = "delivered", None, created + timedelta(seconds=rng.randint(1, 20))
                case = None
                if has_case:
                    cases_left -= 1
                    case = self._case(record_id, next_case, created, otype, system_id, ref, correlation, amount,
                                      ent, entity_code)
                    next_case += 1
                    status = case["record_status"]
                    canonical = json.dumps({"document_number": ref, "legal_entity": entity_code,
                                            "amount": {"value": amount, "currency": ent["ccy"]},
                                            "date": created.date().isoformat()}, separators=(",", ":"))
                    delivered = created if status == "delivered" else None
                rec.write((record_id, _ts(created), _ts(created), direction, connector_id, flow, otype, ref,
                           payload_text, hashlib.md5(payload_text.encode()).hexdigest() * 2,  # noqa: S324 - a stand-in
                           f"{conn_code}:{otype}:{ref}:{record_id}", correlation,
                           ids[parent] if parent is not None else None, ent["id"], status, canonical,
                           case["attempts"] if case else 1, _ts(delivered),
                           f"T{record_id}" if status == "delivered" else "",
                           case["message"] if case and status != "delivered" else ""))
                if case:
                    self._attempts(att, next_attempt + att.rows, record_id, case, created)
                    exc.write(case["row"])
        for f in files.values():
            f.close()
        return {"paths": paths, "copiers": {TABLES[0]: rec, TABLES[1]: att, TABLES[2]: exc},
                "fingerprints": len(self._fingerprints)}

    def _case(self, record_id, case_id, created, otype, system_id, ref, correlation, amount, ent, entity_code):
        rng = self.rng
        entityless = rng.random() < ENTITY_WEIGHTS[None] / 100
        kind = self.entityless_pick.pick(rng) if entityless else self.kind_pick[otype].pick(rng)
        info = self.kinds[kind]
        cause = self.cause_pick.pick(rng)
        message = MESSAGES[kind].format(ref=ref, amount=amount, ccy=ent["ccy"], other=f"{ref[:-3]}{cause:03d}",
                                        n=cause + 1)
        first = created + timedelta(seconds=rng.randint(1, 120))
        age_days = (self.now - first).total_seconds() / 86400
        occurrences = 1 if rng.random() < 0.8 else 1 + int(rng.expovariate(1 / 6))
        last = min(self.now, first + timedelta(hours=rng.random() * 48 * (occurrences - 1)))
        roll = rng.random()
        open_p, assigned_p, resolved_p = ((0.55, 0.20, 0.20) if age_days < 7 else
                                          (0.30, 0.15, 0.45) if age_days < 30 else (0.08, 0.04, 0.75))
        status = ("open" if roll < open_p else "assigned" if roll < open_p + assigned_p
                  else "resolved" if roll < open_p + assigned_p + resolved_p else "ignored")
        owners = self.admins if entityless else ent["owners"]
        owner = rng.choice(owners) if status == "assigned" or (status != "open" and rng.random() < 0.6) else None
        resolved_at = resolved_by = None
        code = note = ""
        if status in ("resolved", "ignored"):
            resolved_at = min(self.now, last + timedelta(hours=rng.random() * 72))
            resolved_by = owner or rng.choice(owners)
            code = "accepted_risk" if status == "ignored" else self.resolution_pick.pick(rng)
            note = ("Known difference, documented in the close file" if status == "ignored"
                    else "Corrected and confirmed with the business" if code == "other" else "")
            if code == "auto_resolved":
                resolved_by = None
        record_status = ("delivered" if code in ("replayed", "auto_resolved") else
                         "dead_letter" if kind == "technical.dead_letter" else "exception")
        dims = {"supplier": None, "account": None, "batch": None, "period": None}
        if not entityless:
            if kind.startswith(("invoice.", "supplier.", "payment.")) and ent["suppliers"]:
                dims["supplier"] = rng.choice(ent["suppliers"])
            if kind.startswith(("payment.", "statement.", "reconciliation.")) and ent["accounts"]:
                dims["account"] = rng.choice(ent["accounts"])
            if kind.startswith("payment.") and ent["batches"]:
                dims["batch"] = rng.choice(ent["batches"])
            if kind.startswith(("journal.", "invoice.")) and ent["periods"]:
                dims["period"] = rng.choice(ent["periods"])
        fingerprint = self.fingerprint(kind, system_id, otype, cause)
        severity = info.severity
        row = (case_id, _ts(first), _ts(resolved_at or last), kind, severity, status, info.label, message,
               json.dumps({"generated": True, "cause": cause}), ref, correlation, otype, fingerprint,
               hashlib.sha256(f"{kind}|record:{record_id}".encode()).hexdigest(), occurrences, _ts(first), _ts(last),
               _ts(first + self.sla[severity]), _ts(resolved_at), code, note, dims["account"],
               None if entityless else ent["id"], owner, dims["batch"], dims["period"], resolved_by,
               system_id, dims["supplier"], record_id)
        return {"row": row, "record_status": record_status, "message": message, "kind": kind,
                "attempts": 1 + (kind == "technical.dead_letter") + (record_status == "delivered"),
                "delivered": record_status == "delivered"}

    def _attempts(self, att: Copier, first_id: int, record_id: int, case: dict, created: datetime) -> None:
        number, at = 0, created
        outcomes = []
        if case["kind"] == "technical.dead_letter":
            outcomes += [("technical_error", "HTTP 503 Service Unavailable"), ("dead_letter", case["message"])]
        else:
            outcomes.append(("business_error", case["message"]))
        if case["delivered"]:
            outcomes.append(("delivered", ""))
        for outcome, error in outcomes:
            number += 1
            latency = self.rng.randint(40, 900)
            att.write((first_id + number - 1, record_id, number, _ts(at), _ts(at + timedelta(milliseconds=latency)),
                       outcome, error, latency, "bench@generator", outcome == "delivered"))
            at += timedelta(minutes=self.rng.randint(1, 240))


def _drop_secondary(cur, table: str) -> list[str]:
    """Drop a table's secondary indexes and unique constraints; returns the statements that rebuild them."""
    cur.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
    constraints = cur.fetchall()
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)", [table, table])
    indexes = cur.fetchall()
    for name, _ in constraints:
        cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    return ([f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for name, definition in constraints]
            + [definition for _, definition in indexes])


def load(*, n_exceptions: int, n_records: int, seed: int, vacuum: bool = True) -> dict:
    from django.db import connection

    from apps.demo.services import demo_seed

    if connection.vendor != "postgresql":
        raise SystemExit("the workbench generator loads PostgreSQL (COPY); set --database-url")
    if n_records < n_exceptions:
        raise SystemExit("--records must be at least --exceptions (every exception has its own record)")
    timings = {}
    started = time.perf_counter()
    demo_seed()
    timings["demo_seed_s"] = time.perf_counter() - started
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="finsync-wbdata-") as workdir:
        t = time.perf_counter()
        gen = Generator(n_exceptions=n_exceptions, n_records=n_records, seed=seed, now=now)
        out = gen.run(connection, workdir)
        timings["generate_s"] = time.perf_counter() - t
        t = time.perf_counter()
        rebuild = []
        with connection.cursor() as cur:
            try:
                cur.execute("SET session_replication_role = replica")  # no FK triggers during COPY
            except Exception:  # noqa: BLE001 - not a superuser: keep the checks, just slower
                connection.rollback()
            for table in TABLES:
                rebuild += _drop_secondary(cur, table)
            raw = cur.cursor if hasattr(cur, "cursor") else cur
            for table in TABLES:
                copier = out["copiers"][table]
                with open(out["paths"][table], "rb") as f, raw.copy(
                        f"COPY {table} ({', '.join(copier.columns)}) FROM STDIN") as copy:
                    while block := f.read(1 << 20):
                        copy.write(block)
            timings["copy_s"] = time.perf_counter() - t
            t = time.perf_counter()
            cur.execute("SET session_replication_role = DEFAULT")
            cur.execute("SET maintenance_work_mem = '512MB'")
            for statement in rebuild:
                cur.execute(statement)
            for table in TABLES:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(SELECT coalesce(max(id), 1) FROM {table}))")
        timings["indexes_s"] = time.perf_counter() - t
    # COPY bypassed the exception services, which keep the open-exception tally the dashboards read: recount it.
    t = time.perf_counter()
    from apps.exceptions.tally import tally_rebuild

    tally_rebuild()
    timings["tally_s"] = time.perf_counter() - t
    if vacuum:
        t = time.perf_counter()
        connection.ensure_connection()
        autocommit = connection.get_autocommit()
        connection.set_autocommit(True)
        with connection.cursor() as cur:
            for table in (*TABLES, "exceptions_openexceptiontally"):
                cur.execute(f"VACUUM ANALYZE {table}")
        connection.set_autocommit(autocommit)
        timings["vacuum_analyze_s"] = time.perf_counter() - t
    timings["total_s"] = time.perf_counter() - started
    return {"exceptions": out["copiers"][TABLES[2]].rows, "records": out["copiers"][TABLES[0]].rows,
            "attempts": out["copiers"][TABLES[1]].rows, "fingerprints": out["fingerprints"],
            **{k: round(v, 1) for k, v in timings.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.workbench_data", description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--exceptions", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=None)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-vacuum", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url (or DATABASE_URL) must name a PostgreSQL database")
    url = args.database_url
    if args.fresh:
        from bench.common import fresh_postgres

        url = fresh_postgres(url.rsplit("/", 1)[1].split("?")[0])
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "finsync.settings.base")
    os.environ.setdefault("FINSYNC_LOG_LEVEL", "WARNING")
    from bench.common import setup_django

    setup_django()
    result = load(n_exceptions=args.exceptions, n_records=args.records or 10 * args.exceptions, seed=args.seed,
                  vacuum=not args.no_vacuum)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
