"""API token format, hashing and DRF authentication for machine clients (docs/ACCESS.md, "API tokens").

A token reads `fsk_<prefix>_<secret>`: the prefix finds the row, the secret is checked against its
SHA-256 digest. The secret has 256 bits of entropy, so a plain (unsalted) SHA-256 is sufficient; a
slow password hash would only cost time on every API request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from apps.common.http import client_ip

from .models import ApiToken

TOKEN_PREFIX = "fsk_"
PREFIX_BYTES = 6  # 12 hex characters: unique enough to look up, public
SECRET_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used at most once a minute per token


def token_generate() -> tuple[str, str, str]:
    """A new (full token, prefix, secret digest). The full token leaves this function only to be shown once."""
    prefix = secrets.token_hex(PREFIX_BYTES)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{TOKEN_PREFIX}{prefix}_{secret}", prefix, token_digest(secret)


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_parse(raw: str) -> tuple[str, str] | None:
    """Split a presented token into (prefix, secret), or None when it is not one of ours."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = raw[len(TOKEN_PREFIX):].partition("_")
    if not sep or not prefix or not secret:
        return None
    return prefix, secret


def token_authenticate(raw: str, *, ip_address: str | None = None) -> ApiToken | None:
    """The active token matching `raw`, with its use recorded; None for an unknown, wrong, revoked or expired one."""
    parsed = token_parse(raw)
    if parsed is None:
        return None
    prefix, secret = parsed
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.secret_hash, token_digest(secret)):
        return None
    now = timezone.now()
    if not token.is_active(now) or not token.user.is_active:
        return None
    # Conditional update: at most one write a minute, however many requests the client sends.
    stale = now - LAST_USED_RESOLUTION
    ApiToken.objects.filter(pk=token.pk).exclude(last_used_at__gte=stale).update(last_used_at=now,
                                                                                 last_used_ip=ip_address)
    return token


def token_narrow_user(token: ApiToken):
    """Limit the token owner's roles' capabilities and entities to the token's, for this request only.

    `apps.access.selectors.can` and `entity_ids` read these per-object caches, so pages, API views and
    services that receive this user object all see the narrowed scope.
    """
    from .selectors import entity_ids

    user = token.user
    owner_entities = entity_ids(user)
    token_entities = set(token.legal_entities.values_list("id", flat=True))
    user._finsync_entity_ids = owner_entities & token_entities
    user._finsync_token_capabilities = frozenset(token.capabilities)
    return user


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer fsk_…` for machine clients; sessions remain for the browser."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Authorization header: expected 'Bearer <token>'.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        token = token_authenticate(raw, ip_address=client_ip(request))
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid, expired or revoked token.")
        return token_narrow_user(token), token

    def authenticate_header(self, request):
        return self.keyword
