"""Access to the third-party sample files in ../shared/samples.

Tests that read them skip with a visible reason when the folder is absent, unless
FINSYNC_REQUIRE_SAMPLES=1 (as in CI), which turns the absence into a failure.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

import pytest

_DEFAULT_SAMPLES = Path(__file__).resolve().parents[1] / ".." / "shared" / "samples"
SAMPLES_DIR = Path(os.environ.get("FINSYNC_SAMPLES_DIR", _DEFAULT_SAMPLES)).resolve()


def require_samples() -> Path:
    """Return the samples folder, or skip/fail the calling test when it is missing."""
    if SAMPLES_DIR.is_dir():
        return SAMPLES_DIR
    reason = f"sample files not found at {SAMPLES_DIR}"
    if os.environ.get("FINSYNC_REQUIRE_SAMPLES") == "1":
        pytest.fail(f"{reason} and FINSYNC_REQUIRE_SAMPLES=1")
    pytest.skip(reason)
    raise AssertionError("unreachable")


@cache
def facts() -> dict:
    """The independently derived facts for every sample file (FACTS.json), keyed by relative path."""
    return json.loads((require_samples() / "FACTS.json").read_text())["files"]


def sample_files(folder: str) -> list[str]:
    """Relative paths of the sample files in one folder, for parametrizing (empty when absent)."""
    base = SAMPLES_DIR / folder
    if not base.is_dir():
        return [f"{folder}/<samples folder missing>"]
    return sorted(f"{folder}/{p.name}" for p in base.iterdir() if p.is_file())
