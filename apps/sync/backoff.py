"""Retry timing: exponential backoff with jitter, never sooner than the target's Retry-After."""

from __future__ import annotations

import random

BASE_SECONDS = 2.0
CAP_SECONDS = 600.0
MAX_TECHNICAL_ATTEMPTS = 6


def retry_delay(failures: int, retry_after: float | None = None, rng: random.Random | None = None) -> float:
    """Seconds to wait after the n-th technical failure (n >= 1): 2, 4, 8 … up to 10 minutes, each
    drawn between half and all of that ("equal jitter"), so that a crowd of retries spreads out."""
    rng = rng or random
    ceiling = min(CAP_SECONDS, BASE_SECONDS * 2 ** (failures - 1))
    delay = ceiling / 2 + rng.uniform(0, ceiling / 2)
    return max(delay, retry_after or 0.0)
