"""Retry timing: exponential backoff with jitter, never sooner than the target's Retry-After."""

from __future__ import annotations

import random

from django.conf import settings

CAP_SECONDS = 600.0


def max_technical_attempts() -> int:
    return settings.FINSYNC_MAX_TECHNICAL_ATTEMPTS


def retry_delay(failures: int, retry_after: float | None = None, rng: random.Random | None = None,
                base: float | None = None) -> float:
    """Seconds to wait after the n-th technical failure (n >= 1): base × 2, 4, 8 … up to 10 minutes, each
    drawn between half and all of that ("equal jitter"), so that a crowd of retries spreads out."""
    rng = rng or random
    base = settings.FINSYNC_RETRY_BASE_SECONDS if base is None else base
    ceiling = min(CAP_SECONDS, base * 2 ** (failures - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)
