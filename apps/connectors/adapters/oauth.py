"""OAuth2 client credentials (RFC 6749 §4.4) with the token cached, encrypted, in ConnectorToken.

A cached token is used until REFRESH_MARGIN before it expires. Refreshing is serialised per connector
across threads and processes, and every waiter re-checks after acquiring, so N callers that find the
token stale cause exactly one request to the token endpoint:

- PostgreSQL: `SELECT ... FOR UPDATE` on the connector's token row, inside a transaction.
- SQLite: a writing transaction locks the whole database; holding it across the HTTP call would block the
  token endpoint itself when it shares the database (the embedded sandbox does), so the mutex is a
  Redis lock instead, and the row is written in a short transaction afterwards.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

import httpx
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.connectors.crypto import decrypt_json, encrypt_json
from apps.connectors.errors import AuthorisationError, TechnicalError
from apps.connectors.models import ConnectorToken
from apps.connectors.services import connector_mark_reauthorise

from . import ratelimit

REFRESH_MARGIN = timedelta(seconds=60)
LOCK_TIMEOUT = 60  # seconds: longer than any token request can take (its own timeout is 30 s)
REFUSALS = {"invalid_client", "unauthorized_client", "invalid_grant", "invalid_scope", "access_denied"}


class OAuth2ClientCredentials:
    """Bearer tokens for one connector. `credentials` is {"client_id", "client_secret", "scope"?}."""

    refreshable = True

    def __init__(self, connector, *, client: httpx.Client, token_url: str, credentials: dict) -> None:
        self.connector = connector
        self.client = client
        self.token_url = token_url
        self.credentials = credentials

    # -- public --------------------------------------------------------------------------------------------------
    def headers(self, rejected: str | None = None) -> dict:
        """`rejected`: the Authorization header the server just refused with 401 (forces one refresh)."""
        return {"Authorization": f"Bearer {self.access_token(rejected=rejected)}"}

    def access_token(self, *, rejected: str | None = None) -> str:
        rejected_token = rejected.removeprefix("Bearer ").strip() if rejected else None
        cached = ConnectorToken.objects.filter(connector=self.connector).first()
        token = self._usable(cached, rejected_token)
        if token:
            return token
        return self._refresh(rejected_token)

    # -- internals -----------------------------------------------------------------------------------------------
    def _usable(self, row: ConnectorToken | None, rejected_token: str | None) -> str | None:
        if row is None or not row.token_encrypted or row.expires_at is None:
            return None
        if row.expires_at - REFRESH_MARGIN <= timezone.now():
            return None
        token = decrypt_json(row.token_encrypted).get("access_token")
        return None if token == rejected_token else token

    def _ensure_row(self) -> None:
        try:
            with transaction.atomic():
                ConnectorToken.objects.get_or_create(connector=self.connector)
        except IntegrityError:
            pass  # another process created it between our read and insert: fine

    def _refresh(self, rejected_token: str | None) -> str:
        try:
            return self._refresh_serialised(rejected_token)
        except AuthorisationError as exc:
            # Outside the refresh transaction: on PostgreSQL its rollback would undo the mark.
            connector_mark_reauthorise(connector=self.connector, error=exc.message)
            raise

    def _refresh_serialised(self, rejected_token: str | None) -> str:
        self._ensure_row()
        if connection.vendor == "postgresql":
            with transaction.atomic():
                row = ConnectorToken.objects.select_for_update().get(connector=self.connector)
                token = self._usable(row, rejected_token)  # the caller before us may have refreshed it
                return token or self._fetch_and_store(row)
        with self._redis_lock():
            row = ConnectorToken.objects.get(connector=self.connector)
            token = self._usable(row, rejected_token)
            return token or self._fetch_and_store(row)

    @contextmanager
    def _redis_lock(self):
        lock = ratelimit.client().lock(f"finsync:oauth-refresh:{self.connector.pk}", timeout=LOCK_TIMEOUT,
                                       blocking_timeout=LOCK_TIMEOUT)
        if not lock.acquire():
            raise TechnicalError(f"{self.connector.code}: timed out waiting for another token refresh")
        try:
            yield
        finally:
            lock.release()

    def _fetch_and_store(self, row: ConnectorToken) -> str:
        access_token, expires_in = self._fetch()
        now = timezone.now()
        with transaction.atomic():
            ConnectorToken.objects.filter(pk=row.pk).update(
                token_encrypted=encrypt_json({"access_token": access_token}),
                expires_at=now + timedelta(seconds=expires_in), refreshed_at=now,
                refresh_count=F("refresh_count") + 1)
        return access_token

    def _fetch(self) -> tuple[str, int]:
        client_id = self.credentials.get("client_id", "")
        secret = self.credentials.get("client_secret", "")
        if not client_id or not secret:
            self._refused("no client_id/client_secret stored for this connector")
        data = {"grant_type": "client_credentials"}
        if self.credentials.get("scope"):
            data["scope"] = self.credentials["scope"]
        try:
            response = self.client.post(self.token_url, data=data, auth=(client_id, secret))
        except httpx.TimeoutException as exc:
            raise TechnicalError(f"{self.connector.code}: token endpoint timed out: {exc!r}") from exc
        except httpx.TransportError as exc:
            raise TechnicalError(f"{self.connector.code}: token endpoint unreachable: {exc!r}") from exc
        if response.status_code == 429 or response.status_code >= 500:
            from .http import parse_retry_after

            raise TechnicalError(f"{self.connector.code}: token endpoint answered {response.status_code}",
                                 status=response.status_code,
                                 retry_after=parse_retry_after(response.headers.get("Retry-After")))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 400:
            error = body.get("error", "") if isinstance(body, dict) else ""
            if response.status_code in (400, 401, 403) and (error in REFUSALS or response.status_code != 400):
                self._refused(f"token endpoint refused the credentials ({response.status_code} {error})".strip())
            raise TechnicalError(f"{self.connector.code}: token endpoint answered {response.status_code} {error}",
                                 status=response.status_code)
        if not isinstance(body, dict) or not body.get("access_token"):
            raise TechnicalError(f"{self.connector.code}: token endpoint sent no access_token")
        return body["access_token"], int(body.get("expires_in") or 3600)

    def _refused(self, message: str):
        raise AuthorisationError(f"{self.connector.code}: {message}", status=401)  # _refresh marks the connector
