"""Journal controls on a canonical journal entry (apps/mappings/schemas/journal_entry.v1.json).

Each failed control is a ControlFailure with the exception kind it raises and the dimensions it
carries; the pipeline turns them into business exceptions.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from .choices import PeriodStatus
from .lookups import ledger_lookups


@dataclass
class ControlFailure:
    kind: str
    message: str
    dimensions: dict[str, Any] = field(default_factory=dict)


def journal_controls(canonical: dict) -> list[ControlFailure]:
    lookups = ledger_lookups()  # memoised per chunk of records by the pipeline
    entity = lookups.entity(canonical.get("legal_entity"))
    if entity is None:
        return [ControlFailure("journal.unknown_account",
                               f"Legal entity {canonical.get('legal_entity')!r} is not known to FinSync.")]
    dims = {"legal_entity": entity}
    failures: list[ControlFailure] = []

    totals: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in canonical["lines"]:
        key = (line.get("intercompany_entity") or entity.code, line["currency"])
        totals[key][0 if line["side"] == "debit" else 1] += Decimal(line["amount"])
    per_currency: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for (_, ccy), (debit, credit) in totals.items():
        per_currency[ccy][0] += debit
        per_currency[ccy][1] += credit
    for ccy, (debit, credit) in sorted(per_currency.items()):
        if debit != credit:
            failures.append(ControlFailure(
                "journal.unbalanced",
                f"Debits {debit} {ccy} and credits {credit} {ccy} differ by {abs(debit - credit)} {ccy}.", dims))
    ic_entities = {k[0] for k in totals if k[0] != entity.code}
    for ic in sorted(ic_entities):
        for ccy in sorted({k[1] for k in totals if k[0] == ic}):
            debit, credit = totals[(ic, ccy)]
            if debit != credit:
                failures.append(ControlFailure(
                    "journal.intercompany",
                    f"Intercompany legs with {ic} in {ccy} do not balance (debits {debit}, credits {credit}).", dims))

    posting_date = date.fromisoformat(canonical["posting_date"])
    period = lookups.period(entity, posting_date)
    if period is None:
        failures.append(ControlFailure("journal.closed_period",
                                       f"No accounting period of {entity.code} contains {posting_date}.", dims))
    elif period.status != PeriodStatus.OPEN:
        failures.append(ControlFailure(
            "journal.closed_period",
            f"Posting to closed period {period.label} of {entity.code} (period is {period.get_status_display()}).",
            dims | {"period": period}))

    codes = {line["account"] for line in canonical["lines"]}
    accounts = lookups.accounts(entity, codes)
    for code in sorted(codes):
        account = accounts.get(code)
        if account is None:
            failures.append(ControlFailure("journal.unknown_account",
                                           f"GL account {code} does not exist for {entity.code}.", dims))
        elif not account.is_active or not account.allows_posting:
            failures.append(ControlFailure("journal.unknown_account",
                                           f"GL account {code} of {entity.code} is inactive or not postable.", dims))
    cc_codes = {line["cost_center"] for line in canonical["lines"] if line.get("cost_center")}
    centers = lookups.cost_centers(entity, cc_codes)
    for code in sorted(cc_codes):
        center = centers.get(code)
        if center is None or not center.is_active:
            failures.append(ControlFailure("journal.unknown_account",
                                           f"Cost center {code} does not exist or is inactive for {entity.code}.",
                                           dims))
    return failures
