"""The pipeline: receive → (on commit) enqueue → map → validate → deliver, with retries, a circuit
breaker per connector, dead letters, business exceptions and replay.

At-least-once delivery of tasks plus idempotent effects (unique idempotency keys here, idempotency keys
passed to every target) gives exactly-once effects.
"""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from apps.common.bulk_rows import objects_insert_new
from apps.common.logcontext import correlation
from apps.connectors.adapters.base import InboundRecord, OutboundRequest
from apps.connectors.errors import (
    AuthorisationError,
    ConnectorError,
    RejectedByTarget,
    TechnicalError,
    Throttled,
)
from apps.connectors.models import Connector
from apps.connectors.services import (
    connector_circuit_allows,
    connector_mark_reauthorise,
    connector_record_failure,
    connector_record_success,
)
from apps.exceptions.services import exception_raise, exceptions_auto_resolve_for_record
from apps.ledger.lookups import ledger_lookups
from apps.mappings import schemas
from apps.mappings.services import mapping_apply, mapping_version_in_effect

from . import backoff, metrics
from .adapter_pool import adapter_for
from .choices import ACTIVE_STATUSES, AttemptOutcome, Direction, RecordStatus
from .flows import FLOWS, UNROUTED, Flow, LocalRejection, flow_for, target_connector
from .models import SyncAttempt, SyncRecord, new_correlation_id

logger = logging.getLogger("finsync.sync")
LEASE = timedelta(seconds=settings.FINSYNC_RECORD_LEASE_SECONDS)
CHUNK = 500  # records per task; 500 measured faster than 200 (docs/PIPELINE.md); a $batch carries them all
WORKER_ID = f"{socket.gethostname()}:{__import__('os').getpid()}"


def content_hash(payload) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


# --- Receive -----------------------------------------------------------------------------------------------

@dataclass
class ReceiveResult:
    created: list[SyncRecord] = field(default_factory=list)
    duplicates: list[SyncRecord] = field(default_factory=list)
    conflicts: list[tuple[InboundRecord, SyncRecord]] = field(default_factory=list)


def _key(connector: Connector, item: InboundRecord, digest: str, explicit: str | None) -> str:
    """Idempotency is scoped to the source *system*, not the channel: the same event received by
    webhook and by polling (two connectors of one system) is one record."""
    scope = connector.system.code
    if explicit:
        return f"{scope}:{explicit}"[:200]
    return f"{scope}:{item.object_type}:{item.external_id}:{item.version or digest[:16]}"[:200]


def records_receive(*, connector: Connector, items: list[InboundRecord], keys: list[str | None] | None = None,
                    correlation_ids: list[str | None] | None = None) -> ReceiveResult:
    """Store inbound records in one transaction and enqueue them once it commits.

    A record whose idempotency key is already stored is a duplicate (same content) or a conflict
    (same key, different content); neither stores anything new.
    """
    keys = keys or [None] * len(items)
    correlation_ids = correlation_ids or [None] * len(items)
    result = ReceiveResult()
    rows: dict[str, tuple[InboundRecord, SyncRecord]] = {}
    for item, explicit, corr in zip(items, keys, correlation_ids, strict=True):
        digest = content_hash(item.payload)
        key = _key(connector, item, digest, explicit or item.idempotency_key or None)
        if key in rows:  # the same key twice in one batch: the first wins, the second is a duplicate
            first = rows[key][1]
            (result.duplicates if first.content_hash == digest else result.conflicts).append(first)
            continue
        rows[key] = (item, SyncRecord(
            direction=Direction.INBOUND, connector=connector, flow=flow_for(connector, item.object_type),
            object_type=item.object_type, external_id=item.external_id, payload=item.payload, content_hash=digest,
            idempotency_key=key, correlation_id=corr or new_correlation_id(),
            legal_entity=connector.default_legal_entity))
    with transaction.atomic():
        # One INSERT … ON CONFLICT DO NOTHING (apps/common/bulk_rows.py) stores the new keys; the unique key
        # decides, also against a concurrent receiver. Only keys stored before are read back, to be told apart.
        result.created.extend(objects_insert_new([rec for _, rec in rows.values()], unique_field="idempotency_key"))
        stored = {r.pk for r in result.created}
        known = [key for key, (_, rec) in rows.items() if rec.pk not in stored]
        existing = {r.idempotency_key: r for r in SyncRecord.objects.filter(idempotency_key__in=known)} if known else {}
        for key in known:
            item, rec = rows[key]
            old = existing[key]
            if old.content_hash == rec.content_hash:
                result.duplicates.append(old)
            else:
                result.conflicts.append((item, old))
        metrics.RECORDS_RECEIVED.labels(source=connector.code, outcome="stored").inc(len(result.created))
        metrics.RECORDS_RECEIVED.labels(source=connector.code, outcome="duplicate").inc(len(result.duplicates))
        metrics.RECORDS_RECEIVED.labels(source=connector.code, outcome="conflict").inc(len(result.conflicts))
        created_ids = [r.pk for r in result.created]
        if created_ids:
            transaction.on_commit(lambda: enqueue(created_ids))
    return result


def enqueue(record_ids: list[int]) -> None:
    """Send records to the workers in chunks (one task per record would cap throughput at Celery's rate).
    If the broker is unreachable the records stay stored; the sweeper sends them later."""
    from .tasks import process_records

    for start in range(0, len(record_ids), CHUNK):
        chunk = record_ids[start:start + CHUNK]
        try:
            process_records.delay(chunk)
        except Exception:  # noqa: BLE001 - broker down: the sweeper will pick the records up
            logger.warning("could not enqueue %d records; the sweeper will retry", len(chunk), exc_info=True)


# --- Process -----------------------------------------------------------------------------------------------

def _claim(record_id: int, now, *, force: bool = False) -> bool:
    """Take a record for processing. The conditional update is the lock: 0 rows means someone else
    has it, or it is not due, or it is finished. `force` (a replay) ignores the retry time."""
    waiting = Q(status__in=[RecordStatus.RECEIVED, RecordStatus.RETRY_WAIT])
    due = waiting if force else waiting & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    stale = Q(status=RecordStatus.PROCESSING, lease_expires_at__lt=now)
    return SyncRecord.objects.filter(Q(pk=record_id) & (due | stale)).update(
        status=RecordStatus.PROCESSING, lease_expires_at=now + LEASE, attempt_count=F("attempt_count") + 1,
        updated_at=now) == 1


def records_process(record_ids: list[int]) -> dict[str, int]:
    """Process a chunk of records; returns outcomes by name. Safe to run twice for the same ids.
    The chunk is claimed, checked and delivered together (apps/sync/chunks.py)."""
    from .chunks import chunk_process

    return chunk_process(record_ids)


def _technical_failures(record: SyncRecord) -> int:
    """Technical failures since the last replay (a replay gives the record a fresh retry budget)."""
    last_replay = record.attempts.filter(replay=True).order_by("-number").values_list("number", flat=True).first()
    return record.attempts.filter(outcome=AttemptOutcome.TECHNICAL_ERROR, number__gte=last_replay or 0).count()


def _finish(record: SyncRecord, attempt: SyncAttempt, *, outcome: str, status: str, started: float, error: str = "",
            next_attempt_at=None, **fields) -> str:
    now = timezone.now()
    attempt.finished_at, attempt.outcome, attempt.error = now, outcome, error[:4000]
    attempt.latency_ms = int((time.monotonic() - started) * 1000)
    attempt.save()
    SyncRecord.objects.filter(pk=record.pk).update(status=status, next_attempt_at=next_attempt_at,
                                                   lease_expires_at=None, last_error=error[:4000], updated_at=now,
                                                   **fields)
    logger.info("record %s %s", record.pk, outcome, extra={"flow": record.flow, "outcome": outcome})
    if attempt.latency_ms is not None and outcome in (AttemptOutcome.DELIVERED, AttemptOutcome.DUPLICATE):
        metrics.DELIVERY_LATENCY.labels(flow=record.flow).observe(
            (now - record.created_at).total_seconds())
    return outcome


def _business_exception(record, attempt, started, *, kind: str, message: str, dimensions: dict | None = None,
                        details: dict | None = None) -> str:
    dims = dict(dimensions or {})
    dims.setdefault("legal_entity", record.legal_entity)
    with transaction.atomic():
        exception_raise(kind=kind, message=message, sync_record=record, record_type=record.object_type,
                        source_system=record.connector.system, reference=record.external_id,
                        correlation_id=record.correlation_id, details=details or {}, **dims)
        return _finish(record, attempt, outcome=AttemptOutcome.BUSINESS_ERROR, status=RecordStatus.EXCEPTION,
                       started=started, error=message)


def _map(record: SyncRecord, version_choice: str | None,
         version_in_effect=None) -> tuple[dict | None, object, list[dict]]:
    """Map the payload with the approved version in effect (or, on replay, the version first used)."""
    version = None
    if version_choice == "original":
        first = record.attempts.exclude(mapping_version=None).order_by("number").first()
        version = first.mapping_version if first else None
    version = version or (version_in_effect or mapping_version_in_effect)(source_system=record.connector.system,
                                                                          object_type=record.object_type)
    if version is None:
        return None, None, [{"path": "", "reason": f"no approved mapping for {record.connector.system.code} "
                                                   f"{record.object_type} is in effect"}]
    result = mapping_apply(version=version, payload=record.effective_payload)
    return result.canonical, version, result.errors


def record_process(record_id: int, *, version_choice: str | None = None) -> str:
    now = timezone.now()
    if not _claim(record_id, now, force=version_choice is not None):
        return "skipped"
    record = SyncRecord.objects.select_related("connector__system", "legal_entity").get(pk=record_id)
    with correlation(record.correlation_id):
        outcome = _process_claimed(record, now, version_choice)
    metrics.RECORDS_PROCESSED.labels(flow=record.flow, outcome=outcome).inc()
    return outcome


def _process_claimed(record: SyncRecord, now, version_choice: str | None) -> str:
    started = time.monotonic()
    attempt = SyncAttempt.objects.create(record=record, number=record.attempt_count, started_at=now,
                                         worker=WORKER_ID, replay=version_choice is not None)
    checked = record_check(record, attempt, started, version_choice)
    if isinstance(checked, str):
        return checked
    flow, canonical = checked
    return record_deliver(record, attempt, started, flow, canonical)


def record_check(record: SyncRecord, attempt: SyncAttempt, started: float, version_choice: str | None = None, *,
                 version_in_effect=None, defer_mapping_write: bool = False) -> tuple[Flow, dict] | str:
    """Map and validate a claimed record: (flow, canonical) when it may be delivered, else the outcome of
    the business exception it became. `version_in_effect` is a memo of mapping_version_in_effect (one
    lookup per source and type per chunk). With `defer_mapping_write` the mapping result (canonical,
    version, entity) stays on the instance for the caller to write in bulk — except when the record
    stops here, which writes it at once."""
    flow = FLOWS.get(record.flow)
    if flow is None:
        return _business_exception(record, attempt, started, kind="record.no_flow",
                                   message=f"No flow handles {record.object_type!r} records from "
                                           f"{record.connector.name}.")
    if not isinstance(record.effective_payload, dict):
        return _business_exception(record, attempt, started, kind="record.malformed",
                                   message="The record is not a JSON object.")
    if record.direction == Direction.OUTBOUND:
        # FinSync produced this object itself (a propagation): it is canonical already.
        canonical, schema_version = record.effective_payload, "v1"
    else:
        canonical, version, errors = _map(record, version_choice, version_in_effect)
        attempt.mapping_version = version
        if errors:
            kind = "mapping.missing" if version is None else "mapping.failed"
            return _business_exception(record, attempt, started, kind=kind, message=_describe(errors),
                                       details={"errors": errors})
        entity = ledger_lookups().entity(canonical.get("legal_entity")) or record.legal_entity
        record.canonical, record.mapping_version, record.legal_entity = canonical, version, entity
        schema_version = version.schema_version
        if not defer_mapping_write:
            record_mapping_save(record)
    verdict = canonical_validate(flow=flow, canonical=canonical, schema_version=schema_version)
    if not verdict.ok:
        if defer_mapping_write and record.direction == Direction.INBOUND:
            record_mapping_save(record)
        return _business_exception(record, attempt, started, kind=verdict.kind, message=verdict.message,
                                   dimensions=verdict.dimensions, details=verdict.details)
    return flow, canonical


def record_mapping_save(record: SyncRecord) -> None:
    """Keep what mapping made of an inbound record (its canonical object, the version, the entity)."""
    SyncRecord.objects.filter(pk=record.pk).update(canonical=record.canonical, mapping_version=record.mapping_version,
                                                   legal_entity=record.legal_entity)


@dataclass
class Verdict:
    """What the validate step says about a canonical object: nothing (ok), or the business exception it
    becomes (kind, message, dimensions, details)."""

    kind: str = ""
    message: str = ""
    dimensions: dict = field(default_factory=dict)
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.kind


def canonical_validate(*, flow: Flow, canonical: dict, schema_version: str) -> Verdict:
    """The validate step: the canonical schema first, then the flow's finance controls (first failing
    control wins). Reads only; the mapping preview calls it too, so a preview says what the pipeline does."""
    schema_errors = (schemas.validate(flow.canonical_type, canonical, schema_version)
                     if schemas.exists(flow.canonical_type, schema_version) else [])
    if schema_errors:
        return Verdict(kind="validation.schema", message=_describe(schema_errors), details={"errors": schema_errors})
    for control in flow.controls:
        failures = control(canonical)
        if failures:
            first = failures[0]
            return Verdict(kind=first.kind, message=" ".join(f.message for f in failures),
                           dimensions=first.dimensions,
                           details={"failures": [{"kind": f.kind, "message": f.message} for f in failures]})
    return Verdict()


def _describe(errors: list[dict]) -> str:
    return "; ".join(f"{e['path']}: {e['reason']}" if e["path"] else e["reason"] for e in errors[:10])


def record_deliver(record: SyncRecord, attempt: SyncAttempt, started: float, flow, canonical: dict) -> str:
    if flow.delivers_locally:
        return _deliver_locally(record, attempt, started, flow, canonical)
    target = record.connector if record.direction == Direction.OUTBOUND else target_connector(flow, record.connector)
    if target is None:
        return _business_exception(record, attempt, started, kind="technical.unsupported",
                                   message=f"No enabled connector of kind {flow.target_kind} to deliver to.")
    if not connector_circuit_allows(target):
        return circuit_open_wait(record, attempt, started, target)
    request = OutboundRequest(object_type=flow.outbound_object_type, payload=canonical,
                              idempotency_key=record.idempotency_key, correlation_id=record.correlation_id)
    adapter = adapter_for(target)
    try:
        if flow.money_moving and _technical_failures(record):
            # A money-moving create is never retried blindly: ask whether the earlier try landed.
            found = adapter.find_existing(request)
            result = found or adapter.deliver(request)
        else:
            result = adapter.deliver(request)
    except ConnectorError as exc:
        return delivery_failed(record, attempt, started, target, exc)
    connector_record_success(connector=target)
    with transaction.atomic():
        hook = flow.delivered_hook()
        if hook is not None:  # keep the target's answer (e.g. the ERP's supplier number) with the delivery
            hook(record=record, canonical=canonical, result=result)
        exceptions_auto_resolve_for_record(record=record)
        return _finish(record, attempt, outcome=AttemptOutcome.DUPLICATE if result.duplicate else
                       AttemptOutcome.DELIVERED, status=RecordStatus.DELIVERED, started=started,
                       delivered_at=timezone.now(), target_external_id=result.external_id[:200])


def delivery_failed(record: SyncRecord, attempt: SyncAttempt, started: float, target: Connector,
                    exc: ConnectorError) -> str:
    """What a failed delivery becomes: a retry (technical), a wait for re-authorisation, or a business
    exception (refused by the target, or an operation the target does not support)."""
    if isinstance(exc, TechnicalError):
        return _technical_failure(record, attempt, started, target, exc)
    if isinstance(exc, AuthorisationError):
        connector_mark_reauthorise(connector=target, error=exc.message)
        exception_raise(kind="connector.reauthorise", subject=f"connector:{target.pk}", source_system=target.system,
                        message=f"{target.name} refused FinSync's credentials: {exc.message}. "
                                "Re-authorise the connector; waiting records resume afterwards.",
                        reference=target.code)
        return _finish(record, attempt, outcome=AttemptOutcome.TECHNICAL_ERROR, status=RecordStatus.RETRY_WAIT,
                       started=started, error=exc.message, next_attempt_at=timezone.now() + timedelta(minutes=5))
    if isinstance(exc, RejectedByTarget):
        connector_record_success(connector=target)  # it answered: the connection is healthy
        return _business_exception(record, attempt, started, kind="target.rejected",
                                   message=f"{target.name} refused the record: {exc.message}",
                                   details={"code": exc.code, "details": exc.details})
    return _business_exception(record, attempt, started, kind="technical.unsupported", message=exc.message)


def circuit_open_wait(record: SyncRecord, attempt: SyncAttempt, started: float, target: Connector) -> str:
    """The target's circuit is open: the record waits for the cool-down without calling it."""
    retry_at = (target.circuit_opened_at or timezone.now()) + timedelta(
        seconds=settings.FINSYNC_CIRCUIT_COOLDOWN_SECONDS)
    return _finish(record, attempt, outcome=AttemptOutcome.CIRCUIT_OPEN, status=RecordStatus.RETRY_WAIT,
                   started=started, error=f"{target.name} is paused (circuit open)",
                   next_attempt_at=max(retry_at, timezone.now() + timedelta(seconds=1)))


def _deliver_locally(record: SyncRecord, attempt: SyncAttempt, started: float, flow: Flow, canonical: dict) -> str:
    """FinSync itself is the target (statement import, master data, fan-out): the handler's writes, the
    record's delivered status and the closing of its earlier cases commit together, or not at all."""
    try:
        with transaction.atomic():
            result = flow.local()(record=record, canonical=canonical)
            exceptions_auto_resolve_for_record(record=record)
            return _finish(record, attempt, outcome=AttemptOutcome.DUPLICATE if result.duplicate else
                           AttemptOutcome.DELIVERED, status=RecordStatus.DELIVERED, started=started,
                           delivered_at=timezone.now(), target_external_id=result.external_id[:200])
    except LocalRejection as exc:
        return _business_exception(record, attempt, started, kind=exc.kind, message=exc.message,
                                   dimensions=exc.dimensions, details=exc.details)


def _technical_failure(record, attempt, started, target, exc: TechnicalError) -> str:
    if isinstance(exc, Throttled):
        return _finish(record, attempt, outcome=AttemptOutcome.THROTTLED, status=RecordStatus.RETRY_WAIT,
                       started=started, error=exc.message,
                       next_attempt_at=timezone.now() + timedelta(seconds=exc.retry_after or 1))
    connector_record_failure(connector=target, error=exc.message)
    failures = _technical_failures(record) + 1
    now = timezone.now()
    attempt.retry_after_ms = int(exc.retry_after * 1000) if exc.retry_after else None
    past_cutoff = record.retry_until is not None and now >= record.retry_until
    if failures >= backoff.max_technical_attempts() or past_cutoff:
        why = "the business cut-off passed" if past_cutoff else f"{failures} attempts failed"
        with transaction.atomic():
            _finish(record, attempt, outcome=AttemptOutcome.DEAD_LETTER, status=RecordStatus.DEAD_LETTER,
                    started=started, error=exc.message)
            exception_raise(kind="technical.dead_letter", sync_record=record, record_type=record.object_type,
                            source_system=record.connector.system, legal_entity=record.legal_entity,
                            reference=record.external_id, correlation_id=record.correlation_id,
                            cause=f"{target.code}:{type(exc).__name__}:{exc.status}",
                            message=f"Delivery to {target.name} failed and was given up because {why}: "
                                    f"{exc.message}. Replay it once {target.name} is back.")
        return AttemptOutcome.DEAD_LETTER
    delay = backoff.retry_delay(failures, exc.retry_after)
    return _finish(record, attempt, outcome=AttemptOutcome.TECHNICAL_ERROR, status=RecordStatus.RETRY_WAIT,
                   started=started, error=exc.message, next_attempt_at=now + timedelta(seconds=delay))


# --- Outbound (propagation) ---------------------------------------------------------------------------------

def outbound_emit(*, flow: str, payload: dict, idempotency_key: str, correlation_id: str = "", legal_entity=None,
                  parent: SyncRecord | None = None, external_id: str = "",
                  retry_until=None) -> tuple[SyncRecord | None, bool]:
    """Send a canonical object FinSync produced (a commitment, a payment status write-back) to the
    flow's target system, through the same pipeline: stored, enqueued on commit, retried, audited.

    Returns (record, created). (None, False) when no enabled connector can take it; a business
    exception then says so. The same idempotency key twice stores one record.
    """
    spec = FLOWS[flow]
    target = target_connector(spec, parent.connector if parent is not None else _NoSource())
    if target is None:
        exception_raise(kind="technical.unsupported", subject=f"flow:{flow}:{idempotency_key}",
                        legal_entity=legal_entity, reference=external_id, correlation_id=correlation_id,
                        message=f"No enabled {spec.target_kind} connector to send the {spec.label.lower()} to.")
        return None, False
    record = SyncRecord(direction=Direction.OUTBOUND, connector=target, flow=flow,
                        object_type=spec.outbound_object_type, external_id=external_id, payload=payload,
                        content_hash=content_hash(payload), idempotency_key=f"out:{flow}:{idempotency_key}"[:200],
                        correlation_id=correlation_id or (parent.correlation_id if parent else new_correlation_id()),
                        parent=parent, legal_entity=legal_entity, retry_until=retry_until)
    with transaction.atomic():
        try:
            with transaction.atomic():
                record.save(force_insert=True)
        except IntegrityError:
            return SyncRecord.objects.get(idempotency_key=record.idempotency_key), False
        transaction.on_commit(lambda: enqueue([record.pk]))
    return record, True


class _NoSource:
    settings: dict = {}


# --- Sweeper and replay ------------------------------------------------------------------------------------

def records_sweep(*, limit: int = 5000, lost_after: timedelta | None = None) -> int:
    """Re-enqueue what is due: retries whose time came, records whose task was lost (received long
    ago and never picked up), and records whose worker died holding them (lease expired)."""
    now = timezone.now()
    lost_after = lost_after if lost_after is not None else timedelta(seconds=settings.FINSYNC_LOST_AFTER_SECONDS)
    due = (Q(status=RecordStatus.RETRY_WAIT, next_attempt_at__lte=now)
           | Q(status=RecordStatus.RECEIVED, next_attempt_at__isnull=True, updated_at__lte=now - lost_after)
           | Q(status=RecordStatus.RECEIVED, next_attempt_at__lte=now)
           | Q(status=RecordStatus.PROCESSING, lease_expires_at__lt=now))
    ids = list(SyncRecord.objects.filter(status__in=ACTIVE_STATUSES).filter(due).order_by("id")
               .values_list("id", flat=True)[:limit])
    enqueue(ids)
    return len(ids)


@dataclass
class ReplayPlan:
    record: SyncRecord
    would: str  # what would happen, in words


def _replay_authorise(*, record: SyncRecord, actor) -> None:
    """Only a role with REPLAY, working for the record's legal entity, may replay it."""
    from apps.access.roles import Capability
    from apps.access.selectors import can, entity_ids
    from apps.common.errors import PermissionDenied

    if not can(actor, Capability.REPLAY):
        raise PermissionDenied("Your role does not allow replaying records.", code="forbidden")
    in_scope = (can(actor, Capability.CONFIGURE) if record.legal_entity_id is None
                else record.legal_entity_id in entity_ids(actor))
    if not in_scope:
        raise PermissionDenied("This record belongs to a legal entity you do not work for.", code="out_of_scope")


def record_replay(*, record: SyncRecord, actor, version_choice: str = "current", dry_run: bool = False,
                  reason: str = "", ip_address: str | None = None) -> ReplayPlan:
    """Replay one record: a new attempt on the same record (history kept). A dry run only says what
    would happen: the mapping version, the target, and the canonical result or the errors."""
    from apps.audit.services import audit_record
    from apps.common.errors import DomainError

    _replay_authorise(record=record, actor=actor)
    if record.status in ACTIVE_STATUSES and record.status != RecordStatus.RETRY_WAIT:
        raise DomainError("This record is being processed right now; replay it once it has finished.",
                          code="busy")
    if record.status == RecordStatus.DELIVERED:
        raise DomainError("This record was delivered already; replaying it would post it twice.",
                          code="already_delivered")
    if record.direction == Direction.OUTBOUND:
        version, errors = "the canonical object FinSync produced", []  # outbound records are canonical already
    else:
        _canonical, version, errors = _map(record, version_choice)
    flow = FLOWS.get(record.flow)
    if errors or flow is None:
        would = "fail again: " + (_describe(errors) if errors else "no flow handles it")
    else:
        if flow.delivers_locally:
            would = f"map with {version} and store it in FinSync ({flow.label.lower()})"
        else:
            target = (record.connector if record.direction == Direction.OUTBOUND
                      else target_connector(flow, record.connector))
            would = f"map with {version} and deliver to {target.name if target else 'no connector (would fail)'}"
    plan = ReplayPlan(record=record, would=would)
    if dry_run:
        return plan
    with transaction.atomic():
        # If the replay task were lost, the sweeper still retries it a minute later.
        SyncRecord.objects.filter(pk=record.pk).update(status=RecordStatus.RETRY_WAIT,
                                                       next_attempt_at=timezone.now() + timedelta(minutes=1))
        audit_record(action="record.replayed", actor=actor, obj=record, legal_entity=record.legal_entity,
                     after={"version_choice": version_choice}, reason=reason, correlation_id=record.correlation_id,
                     ip_address=ip_address)
        transaction.on_commit(lambda: _replay_now(record.pk, version_choice))
    return plan


REPLAYABLE = (RecordStatus.EXCEPTION, RecordStatus.DEAD_LETTER, RecordStatus.RETRY_WAIT)


@dataclass
class BulkReplayResult:
    matched: int
    replayed: int
    would: dict[str, int]  # what would happen (dry run) or was asked, grouped by description
    skipped: int = 0


def records_replay_matching(*, queryset, actor, version_choice: str = "current", dry_run: bool = False,
                            reason: str = "", limit: int = 10_000) -> BulkReplayResult:
    """Replay every replayable record of an already-scoped, already-filtered queryset (at most `limit`).
    The dry run groups what would happen, so a person sees "812 would deliver to SAP, 3 would fail
    again: …" before pressing the button."""
    from apps.common.errors import DomainError

    candidates = list(queryset.filter(status__in=REPLAYABLE).select_related("connector__system")
                      .order_by("id")[:limit + 1])
    if len(candidates) > limit:
        raise DomainError(f"More than {limit:,} records match; narrow the filter.", code="too_many")
    would: dict[str, int] = {}
    replayed = skipped = 0
    for record in candidates:
        try:
            plan = record_replay(record=record, actor=actor, version_choice=version_choice, dry_run=dry_run,
                                 reason=reason)
        except DomainError:
            skipped += 1
            continue
        would[plan.would] = would.get(plan.would, 0) + 1
        replayed += 0 if dry_run else 1
    return BulkReplayResult(matched=len(candidates), replayed=replayed, would=would, skipped=skipped)


def _replay_now(record_id: int, version_choice: str) -> None:
    from .tasks import replay_record

    replay_record.delay(record_id, version_choice)


def flow_label(flow_name: str) -> str:
    return FLOWS[flow_name].label if flow_name in FLOWS else ("No flow" if flow_name == UNROUTED else flow_name)
