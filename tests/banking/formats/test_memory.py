"""A large camt.053 is streamed: memory stays far below the file size."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
from decimal import Decimal
from pathlib import Path

import pytest

from apps.banking.formats.camt import parse_camt

ROOT = Path(__file__).resolve().parents[3]
ENTRIES = 12_500
# Each entry carries ~2.5 KB of detail we do not keep (postal addresses, charges), like real files.
ENTRY = """<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{direction}</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-05-01</Dt></BookgDt><ValDt><Dt>2024-05-01</Dt></ValDt><AcctSvcrRef>REF{n}</AcctSvcrRef>
<NtryDtls><TxDtls><Refs><EndToEndId>E2E{n}</EndToEndId></Refs><RltdPties>
<Dbtr><Nm>Debtor {n}</Nm><PstlAdr>{address}</PstlAdr></Dbtr>
<Cdtr><Nm>Creditor {n}</Nm><PstlAdr>{address}</PstlAdr></Cdtr></RltdPties>
<RmtInf><Ustrd>Invoice {n}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
"""
ADDRESS = (
    "".join(f"<AdrLine>Industriestrasse {i} building {i} floor {i} room {i} c/o treasury</AdrLine>" for i in range(7))
    * 2
)


def _write_statement(path: Path) -> Decimal:
    credits = Decimal(0)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
            "<GrpHdr><MsgId>BIG</MsgId><CreDtTm>2024-05-01T10:00:00Z</CreDtTm></GrpHdr>"
            "<Stmt><Id>BIG-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n"
        )
        for n in range(ENTRIES):
            amount = Decimal(n % 1000) + Decimal("0.25")
            direction = "CRDT" if n % 2 else "DBIT"
            credits += amount if n % 2 else 0
            handle.write(ENTRY.format(amount=amount, direction=direction, n=n, address=ADDRESS))
        handle.write("</Stmt></BkToCstmrStmt></Document>")
    return credits


@pytest.fixture(scope="module")
def big_statement(tmp_path_factory) -> tuple[Path, Decimal]:
    path = tmp_path_factory.mktemp("big") / "camt053-big.xml"
    credits = _write_statement(path)
    assert path.stat().st_size > 30 * 1024 * 1024
    return path, credits


def test_python_allocations_stay_far_below_the_file_size(big_statement):
    path, credits = big_statement
    size = path.stat().st_size

    tracemalloc.start()
    try:
        parsed = parse_camt(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert parsed.entry_count == ENTRIES
    assert parsed.statements[0].sum_credits == credits
    # What remains is the result itself (~750 bytes per ParsedEntry); the XML is never held whole.
    assert peak < size / 3, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"


def test_process_memory_stays_far_below_the_file_size(big_statement):
    """tracemalloc does not see libxml2's own allocations, so the whole process is measured too."""
    path, _ = big_statement
    size = path.stat().st_size
    script = textwrap.dedent(f"""
        import resource
        from apps.banking.formats.camt import parse_camt
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        parsed = parse_camt({str(path)!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(parsed.entry_count, (after - before) * 1024)
    """)

    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    entries, growth = map(int, result.stdout.split())

    assert entries == ENTRIES
    assert growth < size / 2, f"RSS grew {growth / 1e6:.1f} MB for a {size / 1e6:.1f} MB file"
