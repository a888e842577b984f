"""Every statement sample through `manage.py import_statement --json`, against FACTS.json.

FACTS.json was derived independently of our parsers (see its _about). Where it and we read a file
differently on purpose, the reason is written next to the exception, as in tests/banking/formats.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from apps.banking.models import BankStatement, CompanyBankAccount, StatementFile, StatementLine
from apps.exceptions.models import ExceptionCase
from apps.treasury.models import CashPosition
from tests.samples import facts, require_samples, sample_files
from tests.treasury.factories import company_account

STATEMENT_FILES = [name for folder in ("camt052", "camt053", "camt054", "mt940", "bai2")
                   for name in sample_files(folder)]

# Files the importer refuses (exit code 2, one line on stderr). FACTS finds no statement in these
# (fragments without :20:, a camt.053 without Stmt, a BAI2 starting with record "00"), except:
# * two MT940 files hold a statement without the mandatory :25: account: nothing to book it on;
# * sepa_snippet_broken names its :25: account twice (a :86: mistyped as :25:): not clear which.
REFUSED_ALTHOUGH_FACTS_COUNTS_A_STATEMENT = {
    "mt940/wolph-betterplace-empty_line.sta": "has no account identification",
    "mt940/wolph-cmxl-reference.sta": "has no account identification",
    "mt940/wolph-betterplace-sepa_snippet_broken.sta": "names its account (:25:) more than once",
}
# camt.052.001.01 writes the account as Id/PrtryAcct/Id, which FACTS did not look at.
ACCOUNT_NOT_IN_FACTS = {"camt052/genkgo-camt052.v1.xml": "CH2801234000123456789"}
# BAI2 sample3 has several records on one physical line; FACTS' line-start scan missed 2 of its 15
# accounts and 2 of its 26 details (its own trailer check says so), so it is checked against the
# file's own trailers instead, as tests/banking/formats/test_bai2.py does.
BAI2_SEVERAL_RECORDS_PER_LINE = "bai2/moov-sample3.txt"


def _fact_statement_count(name: str) -> int:
    fact = facts()[name]
    return fact["n_accounts"] if name.startswith("bai2/") else fact["n_statements"]


def _refusal(name: str) -> str | None:
    if name in REFUSED_ALTHOUGH_FACTS_COUNTS_A_STATEMENT:
        return REFUSED_ALTHOUGH_FACTS_COUNTS_A_STATEMENT[name]
    return "" if _fact_statement_count(name) == 0 else None


def _import(path, *options) -> tuple[dict | None, int, str]:
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("import_statement", str(path), *options, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return (json.loads(out.getvalue()) if out.getvalue() else None), code, err.getvalue()


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _expected(name: str) -> tuple[str, list[dict]]:
    """(format, statements) in the JSON contract's terms, from FACTS."""
    fact = facts()[name]
    if name.startswith("bai2/"):
        return "bai2", [{"account": a["account"], "currency": a["ccy"] or "USD",  # BAI2: no currency means USD
                         "opening_balance": _dec(a["opening_ledger_010"]),
                         "closing_balance": _dec(a["closing_ledger_015"]), "entries": a["entries"],
                         "credits": _dec(a["sum_credits_100_399"]), "debits": _dec(a["sum_debits_400_699"])}
                        for a in fact["accounts"]]
    if name.startswith("mt940/"):
        statements = []
        for s in fact["statements"]:
            stated = s["checks"].get("90C") or s["checks"].get("90D") or {}
            currency = (s["opening"] or s["closing"] or {}).get("ccy") or stated.get("ccy")
            statements.append({"account": s["account"], "currency": currency,
                               "opening_balance": _dec((s["opening"] or {}).get("amount")),
                               "closing_balance": _dec((s["closing"] or {}).get("amount")), "entries": s["entries"],
                               "credits": None if s["unparsed_61"] else _dec(s["sum_credits"]),
                               "debits": None if s["unparsed_61"] else _dec(s["sum_debits"])})
        return fact["statements"][0]["type"].lower(), statements
    statements = []
    for s in fact["statements"]:
        balances = [b for items in s["balances"].values() for b in items]
        currency = (s["account_ccy"] or (s["opening"] or {}).get("ccy") or (s["closing"] or {}).get("ccy")
                    or next((b["ccy"] for b in balances if b["ccy"]), None)
                    or (s["entry_currencies"][0] if s["entry_currencies"] else None))
        statements.append({"account": s["account"] or ACCOUNT_NOT_IN_FACTS.get(name), "currency": currency,
                           "opening_balance": _dec((s["opening"] or {}).get("amount")),
                           "closing_balance": _dec((s["closing"] or {}).get("amount")), "entries": s["entries"],
                           "credits": _dec(s["sum_credits"]), "debits": _dec(s["sum_debits"])})
    return fact["message"][:8], statements


def _ours(statement: dict) -> dict:
    return {**statement, **{k: _dec(statement[k]) for k in ("opening_balance", "closing_balance", "credits",
                                                            "debits")}}


def _nothing_stored() -> tuple:
    return (StatementFile.objects.count(), BankStatement.objects.count(), StatementLine.objects.count(),
            CashPosition.objects.count(), ExceptionCase.objects.count())


@pytest.mark.samples
@pytest.mark.django_db
@pytest.mark.parametrize("name", STATEMENT_FILES)
def test_import_statement_json_matches_facts(name):
    path = require_samples() / name
    refusal = _refusal(name)

    data, code, err = _import(path, "--json")

    if refusal is not None:
        assert (data, code) == (None, 2)
        assert err.count("\n") <= 1, err
        assert err.strip()
        assert err.startswith(f"{path}: ")
        assert refusal in err
        assert _nothing_stored() == (0, 0, 0, 0, 0)
        return
    assert code == 0
    assert err == ""
    expected_format, expected = _expected(name)
    assert set(data) == {"format", "statements", "created", "duplicates"}
    assert data["format"] == expected_format
    # A fresh database knows none of these accounts: reported, neither created nor duplicate.
    assert (data["created"], data["duplicates"]) == (0, 0)
    ours = [_ours(s) for s in data["statements"]]
    for statement in data["statements"]:
        assert set(statement) == {"account", "currency", "opening_balance", "closing_balance", "entries",
                                  "credits", "debits"}
    if name == BAI2_SEVERAL_RECORDS_PER_LINE:
        assert len(ours) == 15
        assert sum(s["entries"] for s in ours) == 26
        assert (ours[0]["account"], ours[0]["opening_balance"], ours[0]["closing_balance"]) == (
            "1111111", Decimal("-35.00"), Decimal("-36.00"))
        return
    assert len(ours) == len(expected) == _fact_statement_count(name)
    for mine, fact in zip(ours, expected, strict=True):
        assert {k: mine[k] for k in fact if fact[k] is not None or k not in ("credits", "debits")} == {
            k: v for k, v in fact.items() if v is not None or k not in ("credits", "debits")}


def _readable_files() -> list[str]:
    if not STATEMENT_FILES or "<samples folder missing>" in STATEMENT_FILES[0]:
        return STATEMENT_FILES
    return [n for n in STATEMENT_FILES if _refusal(n) is None]


@pytest.mark.samples
@pytest.mark.django_db
@pytest.mark.parametrize("name", _readable_files())
def test_import_statement_stores_known_accounts_once(name, entity_de):
    """With every account of the file set up, each statement is stored once; the file again is all duplicates."""
    path = require_samples() / name
    unknown, _, _ = _import(path, "--json", "--dry-run")
    for statement in unknown["statements"]:
        number, currency = statement["account"], statement["currency"] or "EUR"
        if not CompanyBankAccount.objects.filter(account_number=number, currency=currency).exists():
            company_account(entity_de, account_number=number, currency=currency, name=f"acct {number}")

    preview, _, _ = _import(path, "--json", "--dry-run")
    assert _nothing_stored() == (0, 0, 0, 0, 0)  # dry runs store nothing, not even exceptions
    first, code, _ = _import(path, "--json")
    second, _, _ = _import(path, "--json")

    n = len(preview["statements"])
    assert code == 0
    assert (preview["created"], preview["duplicates"]) == (n, 0)
    assert (first["created"], first["duplicates"]) == (n, 0)
    assert (second["created"], second["duplicates"]) == (0, n)
    assert first["statements"] == second["statements"] == preview["statements"]
    assert StatementFile.objects.count() == 1
    assert BankStatement.objects.count() == n
    assert StatementLine.objects.count() == sum(s["entries"] for s in first["statements"])
