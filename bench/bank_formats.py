"""Bank file benchmarks: our camt.053 and MT940 readers against the libraries underneath, and peak memory.

    python -m bench.bank_formats speed [--camt-mb 50] [--mt940-entries 100000]
    python -m bench.bank_formats rss --mb 200 [--mode parse|import]

``speed`` writes a generated camt.053 and MT940 file and times, on the same file in the same run:
lxml's bare ``iterparse`` (every element, cleared), ``iterparse`` pulling five fields per entry (amount,
credit/debit, booking date, bank reference, end-to-end id), our ``parse_statement_file``; and for MT940 the
mt-940 library's own ``mt940.parse`` against our reader (which runs the library and maps every entry).
Speeds are per CPU second (``time.process_time``), best of ``--runs``. ``rss`` generates a camt.053 of the
given size and reads it in a fresh subprocess (``parse``: the reader
alone; ``import``: ``statement_import`` into the database named by DATABASE_URL, as the command line does),
reporting the child's peak RSS from ``resource.getrusage``. Each prints one JSON object last.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ACCOUNT_IBAN = "DE89370400440532013000"
_NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
_ENTRY = ("<Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>{cd}</CdtDbtInd><Sts>BOOK</Sts>"
          "<BookgDt><Dt>2026-11-{day:02d}</Dt></BookgDt><ValDt><Dt>2026-11-{day:02d}</Dt></ValDt>"
          "<AcctSvcrRef>BANKREF{n:09d}</AcctSvcrRef><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd>"
          "<SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>"
          "<EndToEndId>E2E-{n:09d}</EndToEndId></Refs><RltdPties><Cdtr><Nm>Supplier {s} GmbH</Nm></Cdtr>"
          "<CdtrAcct><Id><IBAN>DE02100100100{s:09d}</IBAN></Id></CdtrAcct></RltdPties>"
          "<RmtInf><Ustrd>Invoice INV-{n:09d} of 2026-11</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n")


def write_camt053(path: Path, target_bytes: int) -> dict:
    """One statement with as many entries as fit in ``target_bytes``; the balances add up."""
    entries, credits, debits = 0, Decimal(0), Decimal(0)
    opening = Decimal("1000000.00")
    body_path = path.with_suffix(".body")
    with body_path.open("w", encoding="ascii") as body:
        size = 0
        while size < target_bytes - 2000:
            entries += 1
            amount = Decimal(100 + entries % 9000) + Decimal(entries % 100) / 100
            credit = entries % 5 == 0
            credits, debits = (credits + amount, debits) if credit else (credits, debits + amount)
            text = _ENTRY.format(amount=f"{amount:.2f}", cd="CRDT" if credit else "DBIT", day=1 + entries % 28,
                                 n=entries, s=entries % 5000)
            body.write(text)
            size += len(text)
    closing = opening + credits - debits

    def balance(code: str, value: Decimal) -> str:
        return (f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">{abs(value):.2f}</Amt>"
                f"<CdtDbtInd>{'CRDT' if value >= 0 else 'DBIT'}</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>")

    with path.open("w", encoding="ascii") as out:
        out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{_NS}"><BkToCstmrStmt><GrpHdr>'
                  "<MsgId>BENCH-1</MsgId><CreDtTm>2026-11-30T18:00:00</CreDtTm></GrpHdr><Stmt><Id>BENCH-STMT-1</Id>"
                  "<ElctrncSeqNb>1</ElctrncSeqNb><CreDtTm>2026-11-30T18:00:00</CreDtTm>"
                  f"<Acct><Id><IBAN>{ACCOUNT_IBAN}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
                  + balance("OPBD", opening) + balance("CLBD", closing) + "\n")
        with body_path.open(encoding="ascii") as body:
            while chunk := body.read(1 << 20):
                out.write(chunk)
        out.write("</Stmt></BkToCstmrStmt></Document>\n")
    body_path.unlink()
    return {"entries": entries, "bytes": path.stat().st_size}


def write_mt940(path: Path, entries: int) -> None:
    lines = [":20:BENCH", f":25:{ACCOUNT_IBAN}", ":28C:1/1", ":60F:C261101EUR1000000,00"]
    total = Decimal("1000000.00")
    for n in range(1, entries + 1):
        amount = Decimal(100 + n % 9000) + Decimal(n % 100) / 100
        total -= amount
        day = 1 + n % 28
        lines.append(f":61:2611{day:02d}11{day:02d}D{str(amount).replace('.', ',')}NTRFE2E-{n:09d}//BANKREF{n:09d}")
        lines.append(f":86:166?00SEPA-UEBERWEISUNG?20EREF+E2E-{n:09d}?21SVWZ+Invoice INV-{n:09d}"
                     f"?32Supplier {n % 5000} GmbH")
    sign = "C" if total >= 0 else "D"
    lines.append(f":62F:{sign}261130EUR{str(abs(total)).replace('.', ',')}")
    path.write_text("\r\n".join(lines) + "\r\n-\r\n", encoding="latin-1")


def _best_of(runs: int, fn) -> float:
    """Best CPU seconds of ``runs`` runs. CPU time, not wall time: the readers are single-threaded and CPU-bound,
    and on a shared machine wall time measures the neighbours."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


def _lxml_bare(path: Path) -> int:
    from lxml import etree

    count = 0
    for _, element in etree.iterparse(str(path), events=("end",), huge_tree=True, resolve_entities=False,
                                      no_network=True, load_dtd=False):
        count += 1
        element.clear(keep_tail=False)
    return count


def _lxml_five_fields(path: Path) -> int:
    """What a careful hand-written reader does: per entry, five fields, then free the entry."""
    from lxml import etree

    ns = f"{{{_NS}}}"
    tag = f"{ns}Ntry"
    count = 0
    for _, entry in etree.iterparse(str(path), events=("end",), tag=tag, huge_tree=True, resolve_entities=False,
                                    no_network=True, load_dtd=False):
        fields = (entry.findtext(f"{ns}Amt"), entry.findtext(f"{ns}CdtDbtInd"),
                  entry.findtext(f"{ns}BookgDt/{ns}Dt"), entry.findtext(f"{ns}AcctSvcrRef"),
                  entry.findtext(f"{ns}NtryDtls/{ns}TxDtls/{ns}Refs/{ns}EndToEndId"))
        count += fields[0] is not None
        entry.clear(keep_tail=False)
        while entry.getprevious() is not None:
            del entry.getparent()[0]
    return count


def speed(camt_mb: float, mt940_entries: int, runs: int) -> dict:
    import mt940

    from apps.banking.formats import parse_statement_file

    folder = Path(tempfile.mkdtemp(prefix="finsync-bench-formats-"))
    camt = folder / "bench.camt053.xml"
    made = write_camt053(camt, int(camt_mb * 1_000_000))
    megabytes = made["bytes"] / 1_000_000
    ours = parse_statement_file(camt)
    assert ours.statements[0].entry_count == made["entries"], "our reader lost entries"
    assert _lxml_five_fields(camt) == made["entries"]
    bare_s = _best_of(runs, lambda: _lxml_bare(camt))
    five_s = _best_of(runs, lambda: _lxml_five_fields(camt))
    ours_s = _best_of(runs, lambda: parse_statement_file(camt))
    sta = folder / "bench.sta"
    write_mt940(sta, mt940_entries)
    assert parse_statement_file(sta).statements[0].entry_count == mt940_entries
    assert len(mt940.parse(str(sta))) == mt940_entries
    library_s = _best_of(runs, lambda: mt940.parse(str(sta)))
    ours_mt_s = _best_of(runs, lambda: parse_statement_file(sta))
    camt.unlink()
    sta.unlink()
    return {
        "camt_mb": round(megabytes, 1), "camt_entries": made["entries"], "runs": runs,
        "lxml_bare_mb_s": round(megabytes / bare_s, 1), "lxml_five_fields_mb_s": round(megabytes / five_s, 1),
        "ours_mb_s": round(megabytes / ours_s, 1), "ours_entries_s": round(made["entries"] / ours_s),
        "ratio_vs_bare": round(bare_s / ours_s, 2), "ratio_vs_five_fields": round(five_s / ours_s, 2),
        "mt940_entries": mt940_entries, "mt940_library_entries_s": round(mt940_entries / library_s),
        "mt940_ours_entries_s": round(mt940_entries / ours_mt_s), "mt940_ratio": round(library_s / ours_mt_s, 2),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def rss_child(path: Path, mode: str) -> dict:
    """Runs in the measured subprocess."""
    if mode == "parse":
        from apps.banking.formats import parse_statement_file

        baseline = _peak_rss_mb()
        parsed = parse_statement_file(path)
        return {"mode": mode, "baseline_mb": round(baseline, 1), "peak_mb": round(_peak_rss_mb(), 1),
                "entries": parsed.statements[0].entry_count}
    from bench.common import setup_django

    setup_django()
    from apps.banking.choices import FileChannel
    from apps.banking.models import CompanyBankAccount, StatementLine
    from apps.banking.services import statement_import
    from apps.masterdata.models import Bank, LegalEntity

    entity = LegalEntity.objects.create(code="BENCH", name="Bench GmbH", country="DE", functional_currency="EUR",
                                        time_zone="Europe/Berlin")
    bank = Bank.objects.create(name="Bench bank", bic="COBADEFFXXX", country="DE")
    CompanyBankAccount.objects.create(legal_entity=entity, bank=bank, name="EUR", iban=ACCOUNT_IBAN, currency="EUR")
    gc.collect()
    baseline = _peak_rss_mb()
    start = time.perf_counter()
    # As `manage.py import_statement` does: the file's bytes, kept whole as evidence (StatementFile).
    result = statement_import(content=path.read_bytes(), filename=path.name, channel=FileChannel.COMMAND)
    seconds = time.perf_counter() - start
    return {"mode": mode, "baseline_mb": round(baseline, 1), "peak_mb": round(_peak_rss_mb(), 1),
            "entries": StatementLine.objects.count(), "created": result.created, "seconds": round(seconds, 1)}


def rss(megabytes: float, modes: list[str]) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="finsync-bench-rss-"))
    path = folder / "big.camt053.xml"
    made = write_camt053(path, int(megabytes * 1_000_000))
    results = {"file_mb": round(made["bytes"] / 1_000_000, 1), "entries": made["entries"]}
    for mode in modes:
        out = subprocess.run([sys.executable, "-m", "bench.bank_formats", "rss-child", str(path), mode],
                             env=dict(os.environ), check=True, capture_output=True, text=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    path.unlink()
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    s = sub.add_parser("speed")
    s.add_argument("--camt-mb", type=float, default=float(os.environ.get("FINSYNC_BENCH_CAMT_MB", 50)))
    s.add_argument("--mt940-entries", type=int, default=int(os.environ.get("FINSYNC_BENCH_MT940_ENTRIES", 100_000)))
    s.add_argument("--runs", type=int, default=3)
    r = sub.add_parser("rss")
    r.add_argument("--mb", type=float, default=float(os.environ.get("FINSYNC_BENCH_RSS_MB", 200)))
    r.add_argument("--mode", action="append", choices=["parse", "import"])
    c = sub.add_parser("rss-child")
    c.add_argument("path")
    c.add_argument("mode", choices=["parse", "import"])
    args = parser.parse_args()
    if args.what == "rss-child":
        result = rss_child(Path(args.path), args.mode)
    elif args.what == "rss":
        result = rss(args.mb, args.mode or ["parse", "import"])
    else:
        import django

        django.setup()
        result = speed(args.camt_mb, args.mt940_entries, args.runs)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
