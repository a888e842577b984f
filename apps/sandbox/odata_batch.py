"""The ERP sandbox's OData `$batch` (JSON batch format of OData 4.01, §19 of the JSON format spec): many
POSTs to one service in one HTTP request, each with its own Idempotency-Key and its own answer.

Request  `{"requests": [{"id": "1", "method": "POST", "url": "JournalEntry", "headers": {...}, "body": {...}}]}`
Response `{"responses": [{"id": "1", "status": 201, "body": {...}}, {"id": "2", "status": 400, "body":
{"error": {...}}}]}` — the batch itself answers 200 once it was read; each item succeeds or fails alone.
Faults: an outage, 429 or injected 500 hits the whole batch; `error_rate` also fails single items with 500.
"""

from __future__ import annotations

from . import odata, services
from .gateway import Faults, SandboxError, error_body

MAX_REQUESTS = 1000
# service root → the entity set its $batch accepts POSTs to
SERVICES = {"api_journalentry": "JournalEntry", "api_business_partner": "A_Supplier",
            "api_payment_status": "PaymentStatus"}


def _parse(service: str, payload: dict) -> list[tuple[str, dict, str | None]]:
    """(id, body, idempotency key) per request; a batch that cannot be read at all is one 400."""
    if service not in SERVICES:
        raise SandboxError(404, f"no OData service {service!r}", code="NOT_FOUND")
    requests = payload.get("requests")
    if not isinstance(requests, list) or not requests:
        raise SandboxError(400, "a $batch body needs a non-empty \"requests\" list", code="BAD_BATCH")
    if len(requests) > MAX_REQUESTS:
        raise SandboxError(400, f"at most {MAX_REQUESTS} requests per $batch", code="BAD_BATCH")
    parsed, ids = [], set()
    for n, item in enumerate(requests, start=1):
        if not isinstance(item, dict) or not isinstance(item.get("body"), dict):
            raise SandboxError(400, f"request {n}: an object with a JSON \"body\" is required", code="BAD_BATCH")
        item_id = str(item.get("id") or n)
        if item_id in ids:
            raise SandboxError(400, f"request id {item_id!r} appears twice", code="BAD_BATCH")
        ids.add(item_id)
        if str(item.get("method", "")).upper() != "POST" or item.get("url") != SERVICES[service]:
            raise SandboxError(400, f"request {item_id}: only POST {SERVICES[service]} is supported in this $batch",
                               code="BAD_BATCH")
        headers = {str(k).lower(): str(v) for k, v in (item.get("headers") or {}).items()}
        key = headers.get("idempotency-key", "").strip() or None
        if key and len(key) > 200:
            raise SandboxError(400, f"request {item_id}: Idempotency-Key longer than 200 characters",
                               code="BAD_BATCH")
        parsed.append((item_id, item["body"], key))
    return parsed


def batch_run(*, service: str, payload: dict, faults: Faults) -> dict:
    """Run a `$batch` and return its response body. Items that suffer an injected fault are not run."""
    parsed = _parse(service, payload)
    failed = {item_id for item_id, _, _ in parsed if faults.item_fails()}
    todo = [(item_id, body, key) for item_id, body, key in parsed if item_id not in failed]
    outcomes: dict[str, tuple[int, dict]] = {
        item_id: _error(SandboxError(500, "internal server error (injected)", code="server_error"))
        for item_id in failed}
    if service == "api_journalentry":
        results = services.journal_post_many(requests=[(body, key) for _, body, key in todo])
        for (item_id, _, _), result in zip(todo, results, strict=True):
            outcomes[item_id] = _error(result) if isinstance(result, SandboxError) else _created(
                odata.journal_json(*result), result[1])
    else:
        create, render = {"api_business_partner": (services.supplier_create, odata.supplier_json),
                          "api_payment_status": (services.payment_status_update, odata.status_update_json)}[service]
        for item_id, body, key in todo:
            try:
                document, duplicate = create(body=body, idempotency_key=key)
            except SandboxError as exc:
                outcomes[item_id] = _error(exc)
            else:
                outcomes[item_id] = _created(render(document, duplicate), duplicate)
    return {"responses": [{"id": item_id, "status": outcomes[item_id][0], "body": outcomes[item_id][1]}
                          for item_id, _, _ in parsed]}


def _created(body: dict, duplicate: bool) -> tuple[int, dict]:
    return 200 if duplicate else 201, body


def _error(exc: SandboxError) -> tuple[int, dict]:
    return exc.status, error_body("erp", exc)
