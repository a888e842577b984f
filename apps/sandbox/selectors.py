"""Reads of the sandbox systems: Coupa and treasury listings in each system's query style, and the
statistics tests use to count real effects."""

from __future__ import annotations

import re
from datetime import datetime

from django.db.models import Q, QuerySet, Sum

from .choices import BankFileKind
from .gateway import SandboxError
from .models import (
    BankFile,
    CoupaObject,
    ErpJournalEntry,
    ErpPaymentStatusUpdate,
    ErpSupplier,
    SandboxToken,
    TreasuryCommitment,
    TreasuryObject,
)

COUPA_MAX_LIMIT = 50
TREASURY_MAX_LIMIT = 100
_COUPA_PARAM = re.compile(r"^(?P<field>[a-z_\-]+)(?:\[(?P<op>gt|lt|gt_or_eq|lt_or_eq|not_eq|in)\])?$")
_COUPA_OPS = {None: "", "gt": "__gt", "lt": "__lt", "gt_or_eq": "__gte", "lt_or_eq": "__lte", "in": "__in"}
_RSQL = re.compile(r"^(?P<field>\w+)(?P<op>==|=gt=|=ge=|=lt=|=le=)(?P<value>.+)$")
_RSQL_OPS = {"==": "", "=gt=": "__gt", "=ge=": "__gte", "=lt=": "__lt", "=le=": "__lte"}


def _moment(raw: str, name: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))  # a '+' sent unencoded arrives as a space
    except ValueError as exc:
        raise SandboxError(400, f"{name}: {raw!r} is not an ISO 8601 timestamp", code="bad_request") from exc
    if value.tzinfo is None:
        raise SandboxError(400, f"{name}: {raw!r} has no UTC offset", code="bad_request")
    return value


def _int(raw: str, name: str, *, default: int, maximum: int | None = None) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SandboxError(400, f"{name} must be an integer", code="bad_request") from exc
    if value < 0:
        raise SandboxError(400, f"{name} must not be negative", code="bad_request")
    return min(value, maximum) if maximum else value


def coupa_list(*, resource: str, params) -> list[CoupaObject]:
    """Coupa's query style: `field[op]=value` filters (updated_at, created_at, id, and any top-level data
    field for equality), `order_by` (updated_at or id; id is always the tiebreaker), `dir`, `offset`,
    `limit` (at most 50, Coupa's cap)."""
    queryset: QuerySet = CoupaObject.objects.filter(resource=resource)
    for name, raw in params.items():
        if name in ("offset", "limit", "order_by", "dir", "return_object"):
            continue
        match = _COUPA_PARAM.match(name)
        if not match:
            raise SandboxError(400, f"unsupported query parameter {name!r}", code="bad_request")
        field, op = match["field"].replace("-", "_"), match["op"]
        if op == "not_eq":
            lookup, negate = "", True
        else:
            lookup, negate = _COUPA_OPS[op], False
        if field in ("updated_at", "created_at"):
            value = [_moment(v, name) for v in raw.split(",")] if op == "in" else _moment(raw, name)
            q = Q(**{f"{field}{lookup}": value})
        elif field == "id":
            value = [_int(v, name, default=0) for v in raw.split(",")] if op == "in" else _int(raw, name, default=0)
            q = Q(**{f"coupa_id{lookup}": value})
        elif op in (None, "not_eq", "in"):
            key = field.replace("_", "-")
            q = Q(**{f"data__{key}__in": raw.split(",")}) if op == "in" else Q(**{f"data__{key}": raw})
        else:
            raise SandboxError(400, f"operator {op} is not supported on {field}", code="bad_request")
        queryset = queryset.exclude(q) if negate else queryset.filter(q)
    order = params.get("order_by", "id")
    if order not in ("id", "updated_at", "created_at"):
        raise SandboxError(400, f"cannot order by {order!r}", code="bad_request")
    prefix = "-" if params.get("dir", "asc") == "desc" else ""
    keys = ["coupa_id"] if order == "id" else [order, "coupa_id"]
    queryset = queryset.order_by(*[prefix + k for k in keys])
    offset = _int(params.get("offset"), "offset", default=0)
    limit = _int(params.get("limit"), "limit", default=COUPA_MAX_LIMIT, maximum=COUPA_MAX_LIMIT) or COUPA_MAX_LIMIT
    return list(queryset[offset:offset + limit])


def treasury_list(*, resource: str, params) -> tuple[list[TreasuryObject], int, int, int]:
    """Kyriba's query style: `filter` in RSQL over updateDateTime and uuid (`;` = and), `page.offset`,
    `page.limit` (at most 100); always sorted by updateDateTime then uuid. Returns (rows, total, offset, limit)."""
    queryset: QuerySet = TreasuryObject.objects.filter(resource=resource)
    raw_filter = params.get("filter", "")
    for clause in filter(None, raw_filter.split(";")):
        match = _RSQL.match(clause)
        if not match or match["field"] not in ("updateDateTime", "uuid"):
            raise SandboxError(400, f"unsupported filter {clause!r}", code="bad_request")
        value = _moment(match["value"], "updateDateTime") if match["field"] == "updateDateTime" else match["value"]
        column = "updated_at" if match["field"] == "updateDateTime" else "uuid"
        queryset = queryset.filter(**{f"{column}{_RSQL_OPS[match['op']]}": value})
    offset = _int(params.get("page.offset"), "page.offset", default=0)
    limit = _int(params.get("page.limit"), "page.limit", default=TREASURY_MAX_LIMIT, maximum=TREASURY_MAX_LIMIT)
    queryset = queryset.order_by("updated_at", "uuid")
    return list(queryset[offset:offset + (limit or TREASURY_MAX_LIMIT)]), queryset.count(), offset, limit


def bank_file_list(*, kind: str | None, after: int, limit: int) -> list[BankFile]:
    queryset = BankFile.objects.exclude(kind=BankFileKind.PAYMENT_ORDER).filter(pk__gt=after).order_by("pk")
    if kind:
        queryset = queryset.filter(kind=kind)
    return list(queryset.defer("content")[:limit])


def _tokens_issued(system: str) -> int:
    return SandboxToken.objects.filter(client__system=system).count()


def _repeats(*models) -> int:
    return sum(m.objects.aggregate(n=Sum("repeats"))["n"] or 0 for m in models)


def erp_stats() -> dict[str, int]:
    return {"postings": ErpJournalEntry.objects.count(),
            "duplicates_refused": _repeats(ErpJournalEntry, ErpSupplier, ErpPaymentStatusUpdate),
            "suppliers": ErpSupplier.objects.count(), "payment_status_updates": ErpPaymentStatusUpdate.objects.count(),
            "tokens_issued": _tokens_issued("erp")}


def treasury_stats() -> dict[str, int]:
    return {"commitments": TreasuryCommitment.objects.count(), "duplicates_refused": _repeats(TreasuryCommitment),
            "tokens_issued": _tokens_issued("treasury")}


def bank_stats() -> dict[str, int]:
    return {"uploads": BankFile.objects.filter(kind=BankFileKind.PAYMENT_ORDER).count(),
            "status_reports": BankFile.objects.filter(kind=BankFileKind.STATUS).count(),
            "statements": BankFile.objects.filter(kind=BankFileKind.STATEMENT).count(),
            "duplicates_refused": _repeats(BankFile), "tokens_issued": _tokens_issued("bank")}
