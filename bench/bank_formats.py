"""Bank file benchmarks: our camt.053 and MT940 readers against the libraries underneath, and peak memory.

    python -m bench.bank_formats speed [--camt-mb 50] [--mt940-entries 100000]
    python -m bench.bank_formats rss [--mb 50 --mb 100 --mb 200] [--mode parse|import]

``speed`` writes a generated camt.053 and MT940 file and times, on the same file in the same run:
lxml's bare ``iterparse`` (every element, cleared), ``iterparse`` pulling five fields per entry (amount,
credit/debit, booking date, bank reference, end-to-end id), our ``parse_statement_file``, and our streamed
reader alone (``iter_statement_file``, entries handed on and dropped, as an import consumes them); and for
MT940 the mt-940 library's own ``mt940.parse`` against our reader (which runs the library and maps every
entry). Speeds are per CPU second (``time.process_time``), best of ``--runs``.

``rss`` generates a camt.053 of each size and measures the peak RSS of a child process (``os.wait4``'s
``ru_maxrss`` for exactly that child): ``parse`` reads it with ``iter_statement_file`` (streamed, nothing
kept); ``import`` runs ``manage.py import_statement PATH --json`` into a fresh PostgreSQL database made
from DATABASE_URL's server (account set up first, in another process), exactly as a user would. Each
prints one JSON object last.
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
    stream_s = _best_of(runs, lambda: _stream_only(camt))
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
        "stream_mb_s": round(megabytes / stream_s, 1), "stream_entries_s": round(made["entries"] / stream_s),
        "stream_ratio_vs_bare": round(bare_s / stream_s, 2),
        "ratio_vs_bare": round(bare_s / ours_s, 2), "ratio_vs_five_fields": round(five_s / ours_s, 2),
        "mt940_entries": mt940_entries, "mt940_library_entries_s": round(mt940_entries / library_s),
        "mt940_ours_entries_s": round(mt940_entries / ours_mt_s), "mt940_ratio": round(library_s / ours_mt_s, 2),
    }


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _stream_only(path: Path) -> int:
    """Our streamed camt reader as an import consumes it: every event handed on, nothing kept."""
    from apps.banking.formats import iter_statement_file
    from apps.banking.formats.model import ParsedEntry

    return sum(isinstance(event, ParsedEntry) for event in iter_statement_file(path))


def rss_child(path: Path) -> dict:
    """Runs in the measured subprocess: read the file streamed, as an import does."""
    baseline = _peak_rss_mb()
    entries = _stream_only(path)
    return {"baseline_mb": round(baseline, 1), "entries": entries}


def rss_setup() -> dict:
    """Runs in its own subprocess before an import: migrate the fresh database and set up the bench account."""
    from bench.common import setup_django

    setup_django()
    from apps.banking.models import CompanyBankAccount
    from apps.masterdata.models import Bank, LegalEntity

    entity = LegalEntity.objects.create(code="BENCH", name="Bench GmbH", country="DE", functional_currency="EUR",
                                        time_zone="Europe/Berlin")
    bank = Bank.objects.create(name="Bench bank", bic="COBADEFFXXX", country="DE")
    CompanyBankAccount.objects.create(legal_entity=entity, bank=bank, name="EUR", iban=ACCOUNT_IBAN, currency="EUR")
    return {"account": ACCOUNT_IBAN}


def rss_check(entries: int) -> dict:
    """Runs after an import: what the database holds (lines, kept file bytes, exceptions)."""
    import django

    django.setup()
    from apps.banking.models import BankStatement, StatementFile, StatementFileChunk, StatementLine
    from apps.exceptions.models import ExceptionCase

    kept = sum(len(c) for c in StatementFileChunk.objects.values_list("data", flat=True).iterator(chunk_size=4))
    return {"statements": BankStatement.objects.count(), "lines": StatementLine.objects.count(),
            "lines_expected": entries, "kept_bytes": kept,
            "file_size": StatementFile.objects.values_list("size", flat=True).first(),
            "exceptions": list(ExceptionCase.objects.values_list("kind", flat=True))}


def _measured(command: list[str], env: dict) -> tuple[str, float, float]:
    """Run ``command`` and return (stdout, its own peak RSS in MB, wall seconds); fails loudly on exit != 0."""
    from bench.common import ROOT

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            raise RuntimeError(f"{command} exited {child.returncode}: {err.read().decode()[-2000:]}")
        return out.read().decode(), usage.ru_maxrss / 1024, seconds


def _run_json(args: list[str], env: dict) -> dict:
    out = subprocess.run([sys.executable, "-m", "bench.bank_formats", *args], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def rss(sizes: list[float], modes: list[str]) -> dict:
    from bench.common import fresh_postgres

    folder = Path(tempfile.mkdtemp(prefix="finsync-bench-rss-"))
    results: dict = {"sizes": []}
    for megabytes in sizes:
        path = folder / f"big{megabytes:g}.camt053.xml"
        made = write_camt053(path, int(megabytes * 1_000_000))
        row = {"target_mb": megabytes, "file_mb": round(made["bytes"] / 1_000_000, 1), "entries": made["entries"],
               "load_before": round(os.getloadavg()[0], 1)}
        env = dict(os.environ, FINSYNC_LOG_LEVEL="WARNING", DEBUG="0")
        if "parse" in modes:
            out, peak, seconds = _measured([sys.executable, "-m", "bench.bank_formats", "rss-child", str(path)], env)
            row["parse"] = {**json.loads(out.strip().splitlines()[-1]), "peak_mb": round(peak, 1),
                            "seconds": round(seconds, 1)}
            assert row["parse"]["entries"] == made["entries"], "the streamed reader lost entries"
        if "import" in modes:
            db_env = dict(env, DATABASE_URL=fresh_postgres(f"finsync_bench_rss_{int(megabytes)}"),
                          DJANGO_SETTINGS_MODULE="finsync.settings.base")
            _run_json(["rss-setup"], db_env)
            out, peak, seconds = _measured([sys.executable, "manage.py", "import_statement", str(path), "--json"],
                                           db_env)
            answer = json.loads(out)
            check = _run_json(["rss-check", str(made["entries"])], db_env)
            assert (answer["created"], answer["statements"][0]["entries"]) == (1, made["entries"]), answer
            assert (check["lines"], check["kept_bytes"]) == (made["entries"], made["bytes"]), check
            row["import"] = {"peak_mb": round(peak, 1), "seconds": round(seconds, 1), "answer": answer,
                             "check": check}
        row["load_after"] = round(os.getloadavg()[0], 1)
        results["sizes"].append(row)
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
    r.add_argument("--mb", type=float, action="append",
                   help="file size in MB, repeatable (default 50, 100, 200; FINSYNC_BENCH_RSS_MB=200 for one)")
    r.add_argument("--mode", action="append", choices=["parse", "import"])
    c = sub.add_parser("rss-child")
    c.add_argument("path")
    sub.add_parser("rss-setup")
    k = sub.add_parser("rss-check")
    k.add_argument("entries", type=int)
    args = parser.parse_args()
    if args.what == "rss-child":
        result = rss_child(Path(args.path))
    elif args.what == "rss-setup":
        result = rss_setup()
    elif args.what == "rss-check":
        result = rss_check(args.entries)
    elif args.what == "rss":
        default = [float(os.environ["FINSYNC_BENCH_RSS_MB"])] if "FINSYNC_BENCH_RSS_MB" in os.environ else [
            50.0, 100.0, 200.0]
        result = rss(args.mb or default, args.mode or ["parse", "import"])
    else:
        import django

        django.setup()
        result = speed(args.camt_mb, args.mt940_entries, args.runs)
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
