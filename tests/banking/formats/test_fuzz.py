"""Property tests: whatever bytes arrive, parsers answer with a result or a FormatError, nothing else."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.banking.formats.bai2 import parse_bai2
from apps.banking.formats.camt import parse_camt
from apps.banking.formats.detect import detect_format, parse_statement_file
from apps.banking.formats.errors import FormatError
from apps.banking.formats.pain001 import parse_pain001
from apps.banking.formats.pain002 import parse_pain002
from apps.banking.formats.swift import parse_swift
from tests.samples import SAMPLES_DIR

PARSERS = [parse_statement_file, parse_camt, parse_swift, parse_bai2, parse_pain001, parse_pain002]
FOLDERS = ("camt052", "camt053", "camt054", "mt940", "bai2", "pain001", "pain002")
SAMPLES = sorted(
    path for folder in FOLDERS if (SAMPLES_DIR / folder).is_dir() for path in (SAMPLES_DIR / folder).iterdir()
)
FUZZ = settings(
    max_examples=int(os.environ.get("FINSYNC_FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _only_format_errors(parser, data: bytes) -> None:
    try:
        parser(data)
    except FormatError as error:
        reason = error.reason
    else:
        return
    assert reason
    # parse_statement_file turns unexpected exceptions into this; a fuzzer must never find one.
    assert "unexpected error" not in reason


@st.composite
def mutated_samples(draw) -> bytes:
    """A real sample, then cut, flipped, duplicated and spliced the way broken transfers do."""
    data = bytearray(draw(st.sampled_from(SAMPLES)).read_bytes()[:20_000])
    for _ in range(draw(st.integers(1, 6))):
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete", "duplicate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 200))]
        elif action == "duplicate":
            data[at:at] = data[at : at + draw(st.integers(1, 400))]
    return bytes(data)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes(parser, data):
    _only_format_errors(parser, data)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(
    data=st.one_of(
        st.text(alphabet=":0123456789CDFMNRS,/\r\n-{}", max_size=400).map(str.encode),
        st.text(max_size=400).map(lambda t: ("01," + t).encode()),
        st.text(max_size=400).map(lambda t: (":20:X\n:25:Y\n" + t).encode()),
    )
)
def test_format_shaped_text(parser, data):
    _only_format_errors(parser, data)


@pytest.mark.skipif(not SAMPLES, reason="sample files not present")
@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@FUZZ
@given(data=mutated_samples())
def test_mutated_samples(parser, data):
    _only_format_errors(parser, data)


@FUZZ
@given(data=st.binary(max_size=3000))
def test_detect_format_answers_a_format_or_a_format_error(data):
    known = {"camt.052", "camt.053", "camt.054", "mt940", "mt942", "bai2", "pain.001", "pain.002"}
    try:
        kind = detect_format(data)
    except FormatError as error:
        kind = error.reason
    assert kind in known or kind.startswith("not a recognised")
