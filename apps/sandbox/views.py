"""The sandbox systems' HTTP endpoints (URL map: apps/sandbox/README.md). Thin: parse, call a
service or selector, render in the imitated system's JSON shape."""

from __future__ import annotations

import re
from datetime import UTC

import orjson
from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import odata, odata_batch, selectors, services
from .choices import BankFileKind, CoupaResource, SandboxSystem, TreasuryResource
from .gateway import SandboxError, basic_credentials, endpoint, json_body
from .models import (
    BankFile,
    CoupaObject,
    ErpJournalEntry,
    ErpPayment,
    ErpSupplier,
    SandboxEvent,
    TreasuryCommitment,
)

OAUTH_SYSTEMS = (SandboxSystem.ERP, SandboxSystem.TREASURY, SandboxSystem.BANK)
_ODATA_CLAUSE = re.compile(r"^\s*(\w+)\s+eq\s+'((?:[^']|'')*)'\s*$")


def _ts(moment) -> str:
    return moment.astimezone(UTC).isoformat()


def _idempotency_key(request) -> str | None:
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise SandboxError(400, "Idempotency-Key longer than 200 characters", code="bad_request")
    return key or None


# --- OAuth2 token endpoint (ERP, treasury, bank) ------------------------------------------------------------------


@login_not_required
@csrf_exempt
def token(request, system: str):
    """POST /sandbox/<system>/oauth/token: OAuth2 client credentials (RFC 6749 §4.4)."""
    if system not in OAUTH_SYSTEMS:
        return JsonResponse({"error": "not_found"}, status=404)
    return _token_views[system](request)


def _make_token_view(system: str):
    @require_POST
    @endpoint(system, auth=None)
    def view(request, *, faults):
        if request.POST.get("grant_type") != "client_credentials":
            return JsonResponse({"error": "unsupported_grant_type"}, status=400)
        client_id, secret = basic_credentials(request)
        try:
            issued = services.token_issue(system=system, client_id=client_id, client_secret=secret)
        except SandboxError:
            return JsonResponse({"error": "invalid_client", "error_description": "client authentication failed"},
                                status=401, headers={"WWW-Authenticate": 'Basic realm="sandbox"'})
        return JsonResponse({"access_token": issued.token, "token_type": "Bearer",
                             "expires_in": issued.client.token_lifetime_seconds}, headers={"Cache-Control": "no-store"})

    return view


_token_views = {system: _make_token_view(system) for system in OAUTH_SYSTEMS}


# --- ERP (SAP S/4HANA-shaped OData V4) ----------------------------------------------------------------------------


def _odata_filter(raw: str, fields: dict[str, str]) -> dict[str, str]:
    """`Field eq 'value' and Other eq 'x'` → ORM lookups; the only $filter form the sandbox understands."""
    lookups = {}
    for clause in filter(None, re.split(r"\s+and\s+", raw.strip())):
        match = _ODATA_CLAUSE.match(clause)
        if not match or match[1] not in fields:
            raise SandboxError(400, f"unsupported $filter clause {clause!r}", code="BAD_FILTER")
        lookups[fields[match[1]]] = match[2].replace("''", "'")
    return lookups


_journal, _supplier = odata.journal_json, odata.supplier_json


def _created(body: dict, duplicate: bool, location: str = "") -> JsonResponse:
    response = JsonResponse(body, status=200 if duplicate else 201)
    if location:
        response["Location"] = location
    return response


@require_http_methods(["GET", "POST"])
@endpoint(SandboxSystem.ERP)
def erp_journal_entries(request, *, faults):
    if request.method == "POST":
        entry, duplicate = services.journal_post(body=json_body(request), idempotency_key=_idempotency_key(request))
        return _created(_journal(entry, duplicate), duplicate,
                        request.build_absolute_uri(f"JournalEntry('{entry.accounting_document}')"))
    lookups = _odata_filter(request.GET.get("$filter", ""), {"IdempotencyKey": "idempotency_key",
                                                             "DocumentReferenceID": "reference",
                                                             "CompanyCode": "company_code"})
    top = min(int(request.GET.get("$top") or 100), 1000)
    entries = ErpJournalEntry.objects.filter(**lookups).order_by("pk")[:top]
    return JsonResponse({"value": [_journal(e) for e in entries]})


@require_GET
@endpoint(SandboxSystem.ERP)
def erp_journal_entry(request, document: str, *, faults):
    entry = ErpJournalEntry.objects.filter(pk=int(document) - 4_900_000_000 if document.isdigit() else 0).first()
    if entry is None:
        raise SandboxError(404, f"JournalEntry {document} does not exist", code="NOT_FOUND")
    return JsonResponse(_journal(entry))


@require_http_methods(["GET", "POST"])
@endpoint(SandboxSystem.ERP)
def erp_suppliers(request, *, faults):
    if request.method == "POST":
        supplier, duplicate = services.supplier_create(body=json_body(request),
                                                       idempotency_key=_idempotency_key(request))
        return _created(_supplier(supplier, duplicate), duplicate,
                        request.build_absolute_uri(f"A_Supplier('{supplier.number}')"))
    lookups = _odata_filter(request.GET.get("$filter", ""), {"IdempotencyKey": "idempotency_key",
                                                             "SupplierName": "name",
                                                             "VATRegistration": "vat_registration"})
    return JsonResponse({"value": [_supplier(s) for s in ErpSupplier.objects.filter(**lookups).order_by("pk")[:1000]]})


@require_GET
@endpoint(SandboxSystem.ERP)
def erp_supplier(request, number: str, *, faults):
    supplier = ErpSupplier.objects.filter(pk=int(number) - 1_000_000 if number.isdigit() else 0).first()
    if supplier is None:
        raise SandboxError(404, f"A_Supplier {number} does not exist", code="NOT_FOUND")
    return JsonResponse(_supplier(supplier))


@require_POST
@endpoint(SandboxSystem.ERP)
def erp_payment_status(request, *, faults):
    update, duplicate = services.payment_status_update(body=json_body(request),
                                                       idempotency_key=_idempotency_key(request))
    return _created(odata.status_update_json(update, duplicate), duplicate)


@require_GET
@endpoint(SandboxSystem.ERP)
def erp_payment(request, reference: str, *, faults):
    payment = ErpPayment.objects.filter(reference=reference).first()
    if payment is None:
        raise SandboxError(404, f"payment {reference} does not exist", code="NOT_FOUND")
    return JsonResponse({"PaymentReference": payment.reference, "CompanyCode": payment.company_code,
                         "SupplierName": payment.supplier_name, "Amount": f"{payment.amount:.2f}",
                         "Currency": payment.currency, "PaymentStatus": payment.status,
                         "StatusReasonText": payment.status_reason})


@require_POST
@endpoint(SandboxSystem.ERP)
def erp_batch(request, service: str, *, faults):
    """POST /sandbox/erp/sap/opu/odata4/sap/<service>/$batch (JSON batch; see odata_batch.py)."""
    # orjson both ways: 500 journals per request, where the json module was a sixth of the sandbox's CPU.
    try:
        payload = orjson.loads(request.body or b"{}")
    except orjson.JSONDecodeError as exc:
        raise SandboxError(400, f"request body is not JSON: {exc}", code="bad_request") from exc
    if not isinstance(payload, dict):
        raise SandboxError(400, "request body must be a JSON object", code="bad_request")
    answer = odata_batch.batch_run(service=service, payload=payload, faults=faults)
    return HttpResponse(orjson.dumps(answer, default=DjangoJSONEncoder().default), content_type="application/json")


@require_GET
@endpoint(SandboxSystem.ERP, auth=None, faults=False)
def erp_stats(request, *, faults):
    return JsonResponse(selectors.erp_stats())


# --- Operations events outbox (Stripe-style list) ----------------------------------------------------------------

EVENTS_MAX_LIMIT = 100


@require_GET
@endpoint("events", auth=None)
def events_list(request, *, faults):
    """GET /sandbox/events/v1/events?offset=&limit=: the outbox oldest first, `{"data": [...], "has_more"}`."""
    try:
        offset = max(0, int(request.GET.get("offset") or 0))
        limit = min(max(1, int(request.GET.get("limit") or 50)), EVENTS_MAX_LIMIT)
    except ValueError as exc:
        raise SandboxError(400, "offset and limit must be whole numbers", code="bad_request") from exc
    rows = list(SandboxEvent.objects.order_by("id")[offset:offset + limit + 1])
    data = [{"id": e.event_id, "type": e.type, "created": _ts(e.created_at), "data": e.data} for e in rows[:limit]]
    return JsonResponse({"object": "list", "data": faults.shape(data, break_field="type"),
                         "has_more": len(rows) > limit})


# --- Coupa-shaped procurement ------------------------------------------------------------------------------------

_COUPA_BREAK = {CoupaResource.SUPPLIER: "name", CoupaResource.PURCHASE_ORDER: "currency",
                CoupaResource.RECEIPT: "quantity", CoupaResource.INVOICE: "gross-total"}


def _coupa(obj: CoupaObject) -> dict:
    return {"id": obj.coupa_id, "created-at": _ts(obj.created_at), "updated-at": _ts(obj.updated_at), **obj.data}


@require_GET
@endpoint(SandboxSystem.COUPA, auth="api_key")
def coupa_list(request, resource: str, *, faults):
    if resource not in CoupaResource.values:
        raise SandboxError(404, f"no such resource {resource}", code="not_found")
    rows = selectors.coupa_list(resource=resource, params=request.GET)
    return JsonResponse(faults.shape([_coupa(o) for o in rows], break_field=_COUPA_BREAK[resource]), safe=False)


@require_GET
@endpoint(SandboxSystem.COUPA, auth="api_key")
def coupa_detail(request, resource: str, coupa_id: int, *, faults):
    return JsonResponse(_coupa(get_object_or_404(CoupaObject, resource=resource, coupa_id=coupa_id)))


@require_POST
@endpoint(SandboxSystem.COUPA, auth=None, faults=False)
def coupa_touch(request, *, faults):
    body = json_body(request)
    ids = body.get("ids") or []
    if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
        raise SandboxError(400, "ids must be a list of integers", code="bad_request")
    touched, moment = services.coupa_touch(resource=body.get("resource", ""), ids=ids, changes=body.get("set"))
    return JsonResponse({"touched": touched, "updated-at": _ts(moment)})


# --- Kyriba-shaped treasury --------------------------------------------------------------------------------------

_TREASURY_PATHS = {"payments": TreasuryResource.PAYMENT, "cash-positions": TreasuryResource.CASH_POSITION}


def _treasury(obj) -> dict:
    return {"uuid": str(obj.uuid), "updateDateTime": obj.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            **obj.data}


@require_GET
@endpoint(SandboxSystem.TREASURY)
def treasury_list(request, resource: str, *, faults):
    if resource not in _TREASURY_PATHS:
        raise SandboxError(404, f"no such resource {resource}", code="not_found")
    rows, total, offset, limit = selectors.treasury_list(resource=_TREASURY_PATHS[resource], params=request.GET)
    results = faults.shape([_treasury(o) for o in rows], break_field="amount")
    next_link = None
    if offset + len(rows) < total:
        query = request.GET.copy()
        query["page.offset"] = str(offset + len(rows))
        next_link = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
    return JsonResponse({"metadata": {"pageOffset": offset, "pageLimit": limit, "numberOfElements": len(rows),
                                      "totalElements": total, "links": {"next": next_link}}, "results": results})


def _commitment(c: TreasuryCommitment, duplicate: bool | None = None) -> dict:
    body = {**c.data, "uuid": f"CMT-{c.pk:08d}", "reference": c.reference, "companyCode": c.company_code,
            "amount": f"{c.amount:.2f}", "currency": c.currency, "valueDate": c.value_date.isoformat(),
            "status": "FORECAST"}
    if duplicate is not None:
        body["duplicate"] = duplicate
    return body


@require_http_methods(["GET", "POST"])
@endpoint(SandboxSystem.TREASURY)
def treasury_commitments(request, *, faults):
    if request.method == "POST":
        commitment, duplicate = services.commitment_create(body=json_body(request),
                                                           idempotency_key=_idempotency_key(request))
        return _created(_commitment(commitment, duplicate), duplicate)
    queryset = TreasuryCommitment.objects.order_by("pk")
    if request.GET.get("idempotencyKey"):
        queryset = queryset.filter(idempotency_key=request.GET["idempotencyKey"])
    if request.GET.get("reference"):
        queryset = queryset.filter(reference=request.GET["reference"])
    return JsonResponse({"results": [_commitment(c) for c in queryset[:1000]]})


@require_GET
@endpoint(SandboxSystem.TREASURY, auth=None, faults=False)
def treasury_stats(request, *, faults):
    return JsonResponse(selectors.treasury_stats())


# --- Bank --------------------------------------------------------------------------------------------------------


def _file(f: BankFile) -> dict:
    return {"id": f.pk, "filename": f.filename, "kind": f.kind, "format": f.format, "created_at": _ts(f.created_at)}


@require_GET
@endpoint(SandboxSystem.BANK)
def bank_files(request, *, faults):
    kind = request.GET.get("kind") or None
    if kind and kind not in (BankFileKind.STATEMENT, BankFileKind.STATUS):
        raise SandboxError(400, "kind must be statement or status", code="bad_request")
    try:
        after, limit = int(request.GET.get("after") or 0), min(int(request.GET.get("limit") or 100), 100)
    except ValueError as exc:
        raise SandboxError(400, "after and limit must be integers", code="bad_request") from exc
    rows = selectors.bank_file_list(kind=kind, after=after, limit=limit + 1)
    files = [_file(f) for f in rows[:limit]]
    return JsonResponse({"files": faults.shape(files, break_field="format"), "has_more": len(rows) > limit})


@require_GET
@endpoint(SandboxSystem.BANK)
def bank_file_download(request, file_id: int, *, faults):
    f = get_object_or_404(BankFile.objects.exclude(kind=BankFileKind.PAYMENT_ORDER), pk=file_id)
    content = f.content
    if faults.rng is not None and faults.malformed_rate and faults.rng.random() < faults.malformed_rate:
        content = content[: len(content) // 2]  # a transfer cut short
    ctype = "text/plain; charset=utf-8" if f.format == "mt940" else "application/xml"
    return HttpResponse(content.encode(), content_type=ctype,
                        headers={"Content-Disposition": f'attachment; filename="{f.filename}"'})


@require_http_methods(["GET", "POST"])
@endpoint(SandboxSystem.BANK)
def bank_payment_orders(request, *, faults):
    if request.method == "POST":
        upload, duplicate = services.payment_order_upload(content=request.body,
                                                          filename=request.headers.get("X-Filename", "")[:80],
                                                          idempotency_key=_idempotency_key(request))
        return _created({"file_id": upload.pk, "filename": upload.filename, "message_id": upload.message_id,
                         "transactions": len(upload.end_to_end_ids), "status": "RCVD", "duplicate": duplicate},
                        duplicate)
    queryset = BankFile.objects.filter(kind=BankFileKind.PAYMENT_ORDER).order_by("pk")
    if request.GET.get("idempotency_key"):
        queryset = queryset.filter(idempotency_key=request.GET["idempotency_key"])
    return JsonResponse({"files": [{**_file(f), "message_id": f.message_id,
                                    "transactions": len(f.end_to_end_ids)} for f in queryset.defer("content")[:1000]]})


@require_POST
@endpoint(SandboxSystem.BANK, auth=None, faults=False)
def bank_payment_order_respond(request, file_id: int, *, faults):
    """Test/demo hook: the bank processes an upload and answers with a pain.002."""
    upload = get_object_or_404(BankFile, kind=BankFileKind.PAYMENT_ORDER, pk=file_id)
    rejected = json_body(request).get("reject") or {}
    if isinstance(rejected, list):
        rejected = dict.fromkeys(rejected, "AC04")  # closed account, the classic
    if not isinstance(rejected, dict):
        raise SandboxError(400, "reject must be a list of end-to-end ids or an {id: reason} object", code="bad_request")
    report = services.payment_order_respond(upload=upload, rejected={str(k): str(v) for k, v in rejected.items()})
    return JsonResponse({"status_file_id": report.pk, "filename": report.filename}, status=201)


@require_GET
@endpoint(SandboxSystem.BANK, auth=None, faults=False)
def bank_stats(request, *, faults):
    return JsonResponse(selectors.bank_stats())
