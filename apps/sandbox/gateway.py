"""What every sandbox endpoint does before its own work: authenticate like the imitated system and
inject the configured faults. Views declare it with `@endpoint(system, auth=...)`."""

from __future__ import annotations

import base64
import functools
import json
import random
import time
from dataclasses import dataclass

from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from .models import FaultProfile, SandboxClient, SandboxToken


class SandboxError(Exception):
    """Ends a sandbox request with an HTTP error in the imitated system's error shape."""

    def __init__(self, status: int, message: str, *, code: str = "error", headers: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or {}


@dataclass
class Faults:
    """The faults drawn for one request; list endpoints apply them to their records."""

    rng: random.Random | None = None
    duplicate_rate: float = 0.0
    malformed_rate: float = 0.0
    out_of_order: bool = False
    item_error_rate: float = 0.0  # a `$batch` fails this share of its items with 500, each on its own

    def item_fails(self) -> bool:
        """Whether the next item of a `$batch` suffers an injected 500 (drawn from the request's seeded random)."""
        return self.rng is not None and bool(self.item_error_rate) and self.rng.random() < self.item_error_rate

    def shape(self, records: list[dict], *, break_field: str) -> list[dict]:
        """Apply duplicate delivery, malformed records and out-of-order delivery to a listed page."""
        if self.rng is None:
            return records
        result: list[dict] = []
        for record in records:
            if self.malformed_rate and self.rng.random() < self.malformed_rate:
                record = {**record, break_field: "#MALFORMED#"}
            result.append(record)
            if self.duplicate_rate and self.rng.random() < self.duplicate_rate:
                result.append(record)
        if self.out_of_order:
            self.rng.shuffle(result)
        return result


def _draw(profile: FaultProfile) -> random.Random:
    """The seeded random for this system's next request; the counter makes it reproducible across processes."""
    with transaction.atomic():
        FaultProfile.objects.filter(pk=profile.pk).update(request_count=F("request_count") + 1)
        n = FaultProfile.objects.values_list("request_count", flat=True).get(pk=profile.pk)
    return random.Random(f"{profile.seed}:{profile.system}:{n}")


def inject_faults(system: str) -> Faults:
    """Raise the fault this request suffers (503 outage, 429, 500) or return what lists should suffer."""
    profile = FaultProfile.objects.filter(system=system, enabled=True).first()
    if profile is None:
        return Faults()
    if profile.in_outage(timezone.now()):
        raise SandboxError(503, f"{system} is down for maintenance", code="outage",
                           headers={"Retry-After": str(profile.retry_after_seconds)})
    if profile.latency_ms:
        time.sleep(profile.latency_ms / 1000)
    rates = (profile.error_rate, profile.rate_limit_rate, profile.duplicate_rate, profile.malformed_rate)
    if not any(rates) and not profile.out_of_order:
        return Faults()
    rng = _draw(profile)
    if profile.rate_limit_rate and rng.random() < float(profile.rate_limit_rate):
        raise SandboxError(429, "rate limit exceeded", code="rate_limited",
                           headers={"Retry-After": str(profile.retry_after_seconds)})
    if profile.error_rate and rng.random() < float(profile.error_rate):
        raise SandboxError(500, "internal server error (injected)", code="server_error")
    return Faults(rng=rng, duplicate_rate=float(profile.duplicate_rate), malformed_rate=float(profile.malformed_rate),
                  out_of_order=profile.out_of_order, item_error_rate=float(profile.error_rate))


def _bearer_client(request, system: str) -> SandboxClient:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise SandboxError(401, "missing bearer token", code="invalid_token",
                           headers={"WWW-Authenticate": 'Bearer realm="sandbox"'})
    token = (SandboxToken.objects.select_related("client")
             .filter(token=header.removeprefix("Bearer ").strip(), client__system=system).first())
    if token is None or token.revoked or token.expires_at <= timezone.now() or not token.client.active:
        raise SandboxError(401, "invalid or expired token", code="invalid_token",
                           headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return token.client


def _api_key_client(request, system: str) -> SandboxClient:
    key = request.headers.get("X-COUPA-API-KEY", "")
    client = SandboxClient.objects.filter(system=system, client_secret=key, active=True).first() if key else None
    if client is None:
        raise SandboxError(401, "invalid API key", code="unauthorized")
    return client


def basic_credentials(request) -> tuple[str, str]:
    """client_id and client_secret from HTTP Basic (preferred by RFC 6749) or the form body."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


def error_body(system: str, exc: SandboxError) -> dict:
    """The imitated system's error shape: OData V4 for the ERP, {"errors": ...} for Coupa, plain otherwise."""
    if system == "erp":
        return {"error": {"code": exc.code, "message": exc.message, "details": []}}
    if system == "coupa":
        return {"errors": {"error": [exc.message]}}
    return {"error": exc.code, "message": exc.message}


def endpoint(system: str, *, auth: str | None = "bearer", faults: bool = True):
    """Mark a view as a sandbox endpoint: no FinSync login or CSRF (it has its own auth), faults, errors.

    auth: "bearer" (OAuth2 access token), "api_key" (X-COUPA-API-KEY) or None (token endpoint, test hooks).
    The view receives `faults` (a Faults) as a keyword argument.
    """

    def wrap(view):
        @functools.wraps(view)
        def inner(request, *args, **kwargs):
            try:
                drawn = inject_faults(system) if faults else Faults()
                if auth == "bearer":
                    _bearer_client(request, system)
                elif auth == "api_key":
                    _api_key_client(request, system)
                response = view(request, *args, faults=drawn, **kwargs)
            except SandboxError as exc:
                response = JsonResponse(error_body(system, exc), status=exc.status)
                for name, value in exc.headers.items():
                    response[name] = value
            if request.headers.get("X-Correlation-ID"):  # echoed, as most gateways do, so callers can trace
                response["X-Correlation-ID"] = request.headers["X-Correlation-ID"][:100]
            return response

        return login_not_required(csrf_exempt(inner))

    return wrap


def json_body(request) -> dict:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise SandboxError(400, f"request body is not JSON: {exc}", code="bad_request") from exc
    if not isinstance(body, dict):
        raise SandboxError(400, "request body must be a JSON object", code="bad_request")
    return body
