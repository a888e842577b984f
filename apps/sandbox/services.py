"""Writes of the sandbox systems: tokens, postings, suppliers, status write-backs, commitments, bank files,
the Coupa touch hook, fault profiles and the seed. Views call these; nothing else writes sandbox rows."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from apps.audit.services import audit_record
from apps.common.bulk_rows import objects_insert_new
from apps.common.money import is_currency

from . import bankfiles
from . import seed as seed_data
from .choices import BankFileFormat, BankFileKind, CoupaResource
from .gateway import SandboxError
from .models import (
    BankFile,
    CoupaObject,
    ErpJournalEntry,
    ErpPayment,
    ErpPaymentStatusUpdate,
    ErpSupplier,
    FaultProfile,
    SandboxClient,
    SandboxEvent,
    SandboxToken,
    TreasuryCommitment,
)

FAULT_FIELDS = ("enabled", "seed", "error_rate", "latency_ms", "rate_limit_rate", "retry_after_seconds", "outage_from",
                "outage_until", "duplicate_rate", "out_of_order", "malformed_rate")


# --- OAuth2 ------------------------------------------------------------------------------------------------------


def token_issue(*, system: str, client_id: str, client_secret: str) -> SandboxToken:
    """Client-credentials grant: a fresh bearer token, or 401 invalid_client (unknown, wrong secret, revoked)."""
    client = SandboxClient.objects.filter(system=system, client_id=client_id).first()
    if client is None or not client.active or not secrets.compare_digest(client.client_secret, client_secret):
        raise SandboxError(401, "client authentication failed", code="invalid_client")
    return SandboxToken.objects.create(client=client, token=secrets.token_urlsafe(32),
                                       expires_at=timezone.now() + timedelta(seconds=client.token_lifetime_seconds))


# --- idempotent creation ----------------------------------------------------------------------------------------


def _request_hash(body) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def _count_repeat(model: type[models.Model], existing, digest: str):
    if existing.request_hash != digest:
        raise SandboxError(422, "Idempotency-Key was already used with a different request",
                           code="idempotency_conflict")
    model.objects.filter(pk=existing.pk).update(repeats=F("repeats") + 1)
    return existing


def create_once(model, *, key: str | None, body, create: Callable[[str | None, str], models.Model]):
    """Create a document at most once per Idempotency-Key; returns (document, duplicate).

    The unique key column is the arbiter: of two racing requests one INSERT wins and the other fails
    with IntegrityError (PostgreSQL makes it wait for the winner's commit), then finds the winner's row.
    """
    digest = _request_hash(body)
    if key:
        existing = model.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return _count_repeat(model, existing, digest), True
    try:
        with transaction.atomic():
            return create(key or None, digest), False
    except IntegrityError:
        existing = model.objects.filter(idempotency_key=key).first() if key else None
        if existing is None:
            raise
        return _count_repeat(model, existing, digest), True


def _amount(raw, where: str) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError) as exc:
        raise SandboxError(400, f"{where}: {raw!r} is not an amount", code="BAD_AMOUNT") from exc
    if not value.is_finite() or value <= 0:
        raise SandboxError(400, f"{where}: amount must be positive", code="BAD_AMOUNT")
    return value


def _date(raw, where: str) -> date:
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise SandboxError(400, f"{where}: {raw!r} is not a date (YYYY-MM-DD)", code="BAD_DATE") from exc


def _required(body: dict, *names: str) -> None:
    missing = [n for n in names if body.get(n) in (None, "", [])]
    if missing:
        raise SandboxError(400, f"missing required fields: {', '.join(missing)}", code="MISSING_FIELD")


# --- ERP ---------------------------------------------------------------------------------------------------------


def _journal_fields(body: dict) -> dict:
    """Validate a JournalEntry body (S/4HANA shape) into the model's fields. Refuses unbalanced entries per currency."""
    _required(body, "CompanyCode", "DocumentDate", "PostingDate", "AccountingDocumentType", "_JournalEntryItem")
    document_date = _date(body["DocumentDate"], "DocumentDate")
    posting_date = _date(body["PostingDate"], "PostingDate")
    if not isinstance(body["_JournalEntryItem"], list):
        raise SandboxError(400, "_JournalEntryItem must be a list", code="BAD_ITEM")
    balance: dict[str, Decimal] = {}
    for n, item in enumerate(body["_JournalEntryItem"], start=1):
        where = f"item {n}"
        if not isinstance(item, dict):
            raise SandboxError(400, f"{where}: not an object", code="BAD_ITEM")
        _required(item, "GLAccount", "AmountInTransactionCurrency", "TransactionCurrency", "DebitCreditCode")
        currency = item["TransactionCurrency"]
        if not is_currency(currency):
            raise SandboxError(400, f"{where}: {currency!r} is not a currency", code="BAD_CURRENCY")
        if item["DebitCreditCode"] not in ("S", "H"):
            raise SandboxError(400, f"{where}: DebitCreditCode must be S (debit) or H (credit)", code="BAD_ITEM")
        amount = _amount(item["AmountInTransactionCurrency"], where)
        balance[currency] = balance.get(currency, Decimal(0)) + (amount if item["DebitCreditCode"] == "S" else -amount)
    unbalanced = {ccy: total for ccy, total in balance.items() if total != 0}
    if unbalanced:
        detail = ", ".join(f"{ccy} differs by {total}" for ccy, total in sorted(unbalanced.items()))
        raise SandboxError(400, f"Balance in transaction currency is not zero: {detail}", code="FINS_ACDOC_POST/702")
    return {"company_code": body["CompanyCode"], "fiscal_year": posting_date.year,
            "document_type": body["AccountingDocumentType"], "document_date": document_date,
            "posting_date": posting_date, "reference": str(body.get("DocumentReferenceID", ""))[:40],
            "header_text": str(body.get("DocumentHeaderText", ""))[:60], "items": body["_JournalEntryItem"]}


def journal_post(*, body: dict, idempotency_key: str | None) -> tuple[ErpJournalEntry, bool]:
    """Post a journal entry (S/4HANA JournalEntry shape). Refuses unbalanced entries per currency."""
    fields = _journal_fields(body)

    def create(key, digest):
        return ErpJournalEntry.objects.create(idempotency_key=key, request_hash=digest, **fields)

    return create_once(ErpJournalEntry, key=idempotency_key, body=body, create=create)


JournalOutcome = tuple[ErpJournalEntry, bool] | SandboxError


def journal_post_many(*, requests: list[tuple[dict, str | None]]) -> list[JournalOutcome]:
    """Post many journal entries at once (the `$batch` of the journal entry service), each exactly as
    `journal_post` would: (entry, duplicate) or the SandboxError that item would have got, in order.

    One `INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING` (apps/common/bulk_rows.py)
    stores every entry whose key is new; the unique key decides, also against a concurrent request. Only
    when some key was there already does a second query read those entries to answer them as repeats.
    """
    outcomes: list[JournalOutcome | None] = [None] * len(requests)
    digests: dict[int, str] = {}
    first: dict[str, int] = {}  # key → the item that may create it (a key twice in one batch: the second repeats)
    entries: list[ErpJournalEntry] = []
    for n, (body, key) in enumerate(requests):
        try:
            fields = _journal_fields(body)
        except SandboxError as exc:
            outcomes[n] = exc
            continue
        digests[n] = _request_hash(body)
        if key and key in first:
            continue
        if key:
            first[key] = n
        entries.append(ErpJournalEntry(idempotency_key=key or None, request_hash=digests[n], **fields))
        outcomes[n] = (entries[-1], False)
    created = {id(e) for e in objects_insert_new(entries, unique_field="idempotency_key")}
    missing = {e.idempotency_key for e in entries if id(e) not in created}
    stored = {e.idempotency_key: e for e in ErpJournalEntry.objects.filter(idempotency_key__in=missing)} \
        if missing else {}
    repeats: Counter[int] = Counter()
    for n in digests:
        key = requests[n][1]
        outcome = outcomes[n]
        if outcome is not None and id(outcome[0]) in created:
            continue
        entry = stored[key] if key in stored else outcomes[first[key]][0]
        outcomes[n] = _repeat_outcome(entry, digests[n])
        if not isinstance(outcomes[n], SandboxError):
            repeats[entry.pk] += 1
    for pk, count in repeats.items():
        ErpJournalEntry.objects.filter(pk=pk).update(repeats=F("repeats") + count)
    return outcomes


def _repeat_outcome(entry: ErpJournalEntry, digest: str) -> JournalOutcome:
    if entry.request_hash != digest:
        return SandboxError(422, "Idempotency-Key was already used with a different request",
                            code="idempotency_conflict")
    return entry, True


def supplier_create(*, body: dict, idempotency_key: str | None) -> tuple[ErpSupplier, bool]:
    """Create a supplier (A_Supplier shape)."""
    _required(body, "SupplierName")
    country = str(body.get("Country", ""))
    if country and len(country) != 2:
        raise SandboxError(400, f"Country {country!r} is not an ISO 3166 code", code="BAD_COUNTRY")

    def create(key, digest):
        return ErpSupplier.objects.create(idempotency_key=key, request_hash=digest,
                                          name=str(body["SupplierName"])[:160], country=country,
                                          vat_registration=str(body.get("VATRegistration", ""))[:40], data=body)

    return create_once(ErpSupplier, key=idempotency_key, body=body, create=create)


def payment_status_update(*, body: dict, idempotency_key: str | None) -> tuple[ErpPaymentStatusUpdate, bool]:
    """Write a payment's new status back (e.g. REJECTED by the bank with reason AC04)."""
    _required(body, "PaymentReference", "PaymentStatus")
    payment = ErpPayment.objects.filter(reference=body["PaymentReference"]).first()
    if payment is None:
        raise SandboxError(404, f"payment {body['PaymentReference']!r} does not exist", code="NOT_FOUND")

    def create(key, digest):
        update = ErpPaymentStatusUpdate.objects.create(
            idempotency_key=key, request_hash=digest, payment=payment, status=str(body["PaymentStatus"])[:20],
            reason_code=str(body.get("StatusReasonCode", ""))[:10], reason_text=str(body.get("StatusReasonText",
                                                                                             ""))[:140])
        ErpPayment.objects.filter(pk=payment.pk).update(status=update.status, status_reason=update.reason_text,
                                                        updated_at=timezone.now())
        return update

    return create_once(ErpPaymentStatusUpdate, key=idempotency_key, body=body, create=create)


# --- Coupa -------------------------------------------------------------------------------------------------------


def coupa_touch(*, resource: str, ids: list[int], changes: dict | None = None) -> tuple[list[int], datetime]:
    """Test/demo hook: change records as a Coupa user would, which moves their updated_at to now."""
    if resource not in CoupaResource.values:
        raise SandboxError(400, f"unknown resource {resource!r}", code="bad_request")
    now = timezone.now().replace(microsecond=0)
    touched = []
    with transaction.atomic():
        for obj in CoupaObject.objects.select_for_update().filter(resource=resource, coupa_id__in=ids).order_by("pk"):
            obj.data = {**obj.data, **(changes or {})}
            obj.updated_at = now
            obj.save(update_fields=["data", "updated_at"])
            touched.append(obj.coupa_id)
    return touched, now


# --- Treasury ----------------------------------------------------------------------------------------------------


def commitment_create(*, body: dict, idempotency_key: str | None) -> tuple[TreasuryCommitment, bool]:
    """A cash-forecast commitment (an approved invoice to pay), idempotent by key."""
    _required(body, "reference", "companyCode", "amount", "currency", "valueDate")
    if not is_currency(body["currency"]):
        raise SandboxError(400, f"{body['currency']!r} is not a currency", code="BAD_CURRENCY")
    amount = _amount(body["amount"], "amount")
    value_date = _date(body["valueDate"], "valueDate")

    def create(key, digest):
        return TreasuryCommitment.objects.create(idempotency_key=key, request_hash=digest,
                                                 reference=str(body["reference"])[:60],
                                                 company_code=str(body["companyCode"])[:10], amount=amount,
                                                 currency=body["currency"], value_date=value_date, data=body)

    return create_once(TreasuryCommitment, key=idempotency_key, body=body, create=create)


# --- Bank --------------------------------------------------------------------------------------------------------


def payment_order_upload(*, content: bytes, filename: str, idempotency_key: str | None) -> tuple[BankFile, bool]:
    """Accept a pain.001 upload; 400 when it is not one."""
    try:
        order = bankfiles.read_pain001(content)
    except ValueError as exc:
        raise SandboxError(400, f"rejected upload: {exc}", code="invalid_file") from exc
    text = content.decode("utf-8", errors="replace")

    def create(key, digest):
        doc = BankFile.objects.create(idempotency_key=key, request_hash=digest, kind=BankFileKind.PAYMENT_ORDER,
                                      format=BankFileFormat.PAIN001, filename=f"upload-{secrets.token_hex(8)}.xml",
                                      content=text, message_id=order.message_id[:35],
                                      end_to_end_ids=order.end_to_end_ids)
        if filename:  # keep the customer's name, made unique with the id
            doc.filename = f"{doc.pk:06d}-{filename}"[:120]
            doc.save(update_fields=["filename"])
        return doc

    return create_once(BankFile, key=idempotency_key, body={"sha256": hashlib.sha256(content).hexdigest()},
                       create=create)


def payment_order_respond(*, upload: BankFile, rejected: dict[str, str]) -> BankFile:
    """The bank's answer to an upload: a pain.002 accepting all, or rejecting the chosen end-to-end ids."""
    unknown = sorted(set(rejected) - set(upload.end_to_end_ids))
    if unknown:
        raise SandboxError(400, f"not in this upload: {', '.join(unknown)}", code="bad_request")
    order = bankfiles.PaymentOrder(message_id=upload.message_id, payment_info_id="",
                                   end_to_end_ids=upload.end_to_end_ids)
    n = upload.status_reports.count() + 1
    message_id = f"STS-{upload.pk:06d}-{n}"
    xml, _group = bankfiles.pain002(message_id=message_id, created=timezone.now(), order=order, rejected=rejected)
    return BankFile.objects.create(kind=BankFileKind.STATUS, format=BankFileFormat.PAIN002,
                                   filename=f"{message_id}.xml", content=xml, message_id=message_id, status_for=upload)


# --- Event outbox ------------------------------------------------------------------------------------------------


def events_publish(*, events: list[dict]) -> int:
    """Put events ({"id", "type", "data"}) in the ops system's outbox (its webhooks would announce them);
    an id already there is left alone. Returns how many were new."""
    rows = [SandboxEvent(event_id=str(e["id"])[:100], type=str(e["type"])[:60], data=e["data"]) for e in events]
    before = SandboxEvent.objects.count()
    SandboxEvent.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return SandboxEvent.objects.count() - before


# --- Faults ------------------------------------------------------------------------------------------------------


def fault_profile_update(*, profile: FaultProfile, changes: dict, actor) -> FaultProfile:
    """Change a system's faults; the audit trail records before and after in the same transaction."""
    before = {f: getattr(profile, f) for f in changes}
    with transaction.atomic():
        for name, value in changes.items():
            if name not in FAULT_FIELDS:
                raise ValueError(f"{name} is not a fault setting")
            setattr(profile, name, value)
        profile.full_clean()
        profile.save()
        audit_record(action="sandbox.faults_changed", actor=actor, obj=profile, before=before,
                     after={f: getattr(profile, f) for f in changes})
    return profile


# --- Seed --------------------------------------------------------------------------------------------------------


@transaction.atomic
def sandbox_seed(*, seed: int = 20261126, today: date | None = None) -> dict[str, int]:
    """Fill the sandbox systems with deterministic data; idempotent (a second run creates nothing).

    Returns how many rows it created, by model. Rows that already exist (natural keys: client id,
    Coupa id, treasury uuid, payment reference, file name) are left as they are, touched or not.
    """
    today = today or datetime.now(UTC).date()
    rows = seed_data.build(seed=seed, today=today)
    created: dict[str, int] = {}
    for objs in rows.values():
        if not objs:
            continue
        model = type(objs[0])
        before = model.objects.count()
        model.objects.bulk_create(objs, ignore_conflicts=True, batch_size=500)
        created[model.__name__] = created.get(model.__name__, 0) + model.objects.count() - before
    return {name: n for name, n in created.items() if n}

