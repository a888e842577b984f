"""The base of every HTTP adapter: one httpx client, timeouts, the shared rate limit, the correlation id,
authentication with one refresh on 401, and the classification of failures into the three error types
the pipeline acts on (TechnicalError → retry, AuthorisationError → re-authorise, RejectedByTarget → exception).
"""

from __future__ import annotations

import ssl
import uuid
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from typing import Any

import httpx

from apps.connectors.errors import AuthorisationError, ConnectorError, RejectedByTarget, TechnicalError
from apps.connectors.services import connector_credentials, connector_mark_reauthorise

from . import ratelimit
from .base import Adapter

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=5.0)
CORRELATION_HEADER = "X-Correlation-ID"


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process, shared by every adapter's client: building one loads the CA
    bundle (~0.1 s on a busy machine), which a client per chunk of records paid every time."""
    return httpx.create_ssl_context()


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def error_message(response: httpx.Response) -> tuple[str, str, dict]:
    """(message, code, details) from the common error bodies: OData, OAuth2, Coupa, problem+json, plain."""
    try:
        body: Any = response.json()
    except ValueError:
        text = response.text.strip()
        return (text[:500] or response.reason_phrase or f"HTTP {response.status_code}"), "rejected", {}
    return error_parts(body, fallback=response.text[:500] or f"HTTP {response.status_code}")


def error_parts(body: Any, *, fallback: str) -> tuple[str, str, dict]:
    """(message, code, details) of an already parsed error body (also one item of an OData $batch)."""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):  # OData V2/V4
            message = error.get("message")
            if isinstance(message, dict):
                message = message.get("value")
            return str(message or error.get("code") or "rejected"), str(error.get("code") or "rejected"), error
        errors = body.get("errors")
        if isinstance(errors, dict) and errors.get("error"):  # Coupa
            return "; ".join(map(str, errors["error"])), "rejected", errors
        for key in ("message", "detail", "error_description", "title"):
            if body.get(key):
                return str(body[key]), str(body.get("code") or error or "rejected"), body
        if isinstance(error, str):
            return error, error, body
    return fallback, "rejected", {}


def error_for_status(status: int, where: str, body: Any, *, retry_after: str | None = None) -> ConnectorError:
    """The error type the pipeline acts on for an HTTP error status (also one item of a batch)."""
    message, code, details = error_parts(body, fallback=f"HTTP {status}")
    if status == 429 or status >= 500:
        return TechnicalError(f"{where}: {message}", status=status, retry_after=parse_retry_after(retry_after))
    if status == 401:
        return AuthorisationError(f"{where}: {message}", status=status)
    if status == 408:
        return TechnicalError(f"{where}: {message}", status=status)
    return RejectedByTarget(f"{where}: {message}", status=status, code=code, details=details)


class ApiKeyAuth:
    """A static API key in a header (Coupa's X-COUPA-API-KEY); a 401 cannot be cured by refreshing."""

    refreshable = False

    def __init__(self, header: str, key: str) -> None:
        self.header, self.key = header, key

    def headers(self, rejected: str | None = None) -> dict:
        return {self.header: self.key}


class HttpAdapter(Adapter):
    """Subclasses return from `make_auth()` an object with `headers(rejected=None) -> dict` and a
    `refreshable` flag (OAuth2ClientCredentials, ApiKeyAuth), or None.

    Every call goes through `request()`, which never returns an error response: it returns 2xx/3xx and
    raises a ConnectorError for the rest.
    """

    timeout: httpx.Timeout = DEFAULT_TIMEOUT

    def __init__(self, connector, *, client: httpx.Client | None = None, correlation_id: str = "") -> None:
        super().__init__(connector, client=client)
        self.client = client or httpx.Client(base_url=connector.base_url.rstrip("/") + "/", timeout=self.timeout,
                                             verify=tls_context(),
                                             headers={"User-Agent": "FinSync/1.0", "Accept": "application/json"})
        self.correlation_id = correlation_id
        self.auth = self.make_auth()

    # -- hooks --------------------------------------------------------------------------------------------------
    def make_auth(self):
        return None

    def credentials(self) -> dict:
        return connector_credentials(self.connector)

    def setting(self, name: str, default=None):
        return (self.connector.settings or {}).get(name, default)

    # -- the one way out ----------------------------------------------------------------------------------------
    def request(self, method: str, path: str, *, correlation_id: str = "", expect_json: bool = True,
                **kwargs) -> httpx.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers[CORRELATION_HEADER] = correlation_id or self.correlation_id or str(uuid.uuid4())
        response = self._send(method, path, headers, kwargs, auth_headers=self._auth_headers())
        if response.status_code == 401 and getattr(self.auth, "refreshable", False):
            # The token may have been revoked or expired early: one forced refresh, one retry, no more.
            rejected = response.request.headers.get("Authorization", "")
            response = self._send(method, path, headers, kwargs, auth_headers=self._auth_headers(rejected=rejected))
            if response.status_code == 401:
                message = f"{self.connector.code}: {error_message(response)[0]} (after a fresh token)"
                connector_mark_reauthorise(connector=self.connector, error=message)
                raise AuthorisationError(message, status=401)
        self.raise_for_status(response)
        return response

    def _auth_headers(self, rejected: str | None = None) -> dict:
        if self.auth is None:
            return {}
        return self.auth.headers(rejected=rejected)

    def _send(self, method, path, headers, kwargs, *, auth_headers) -> httpx.Response:
        max_wait = float(self.setting("rate_limit_max_wait", ratelimit.DEFAULT_MAX_WAIT))
        ratelimit.acquire(self.connector, max_wait=max_wait)
        try:
            return self.client.request(method, path, headers={**headers, **auth_headers}, **kwargs)
        except httpx.TimeoutException as exc:
            raise TechnicalError(f"{self.connector.code}: timeout on {method} {path}: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TechnicalError(f"{self.connector.code}: cannot reach {self.connector.base_url}: {exc!r}") from exc

    def raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        message, code, details = error_message(response)
        where = f"{self.connector.code}: {response.request.method} {response.request.url.path} → {status}"
        if status == 429 or status >= 500:
            raise TechnicalError(f"{where}: {message}", status=status,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status == 401:
            connector_mark_reauthorise(connector=self.connector, error=f"{where}: {message}")
            raise AuthorisationError(f"{where}: {message}", status=status)
        if status == 408:
            raise TechnicalError(f"{where}: {message}", status=status)
        raise RejectedByTarget(f"{where}: {message}", status=status, code=code, details=details)

    def get_json(self, path: str, **kwargs):
        return self.request("GET", path, **kwargs).json()

    def close(self) -> None:
        self.client.close()
