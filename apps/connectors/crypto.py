"""Secrets at rest: connector credentials and webhook secrets, encrypted with rotatable keys.

FINSYNC_FERNET_KEYS lists keys newest first; MultiFernet encrypts with the first and decrypts with
any, so a new key can be added in front and `manage.py rotate_connector_secrets` re-encrypts all.
"""

from __future__ import annotations

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode() if isinstance(k, str) else k) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FINSYNC_FERNET_KEYS))


def encrypt_json(value: dict) -> str:
    return fernet().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("stored secret cannot be decrypted with the configured FINSYNC_FERNET_KEYS") from exc


def rotate(token: str) -> str:
    return fernet().rotate(token.encode()).decode() if token else token
