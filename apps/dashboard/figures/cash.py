"""Cash positions by bank, legal entity and currency, with history (booked end-of-day balances).

Balances are never added across currencies: one chart per currency, one line per account. Sums stay
Decimal until the chart edge (`to_chart`).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.db.models import Max

from apps.common.templatetags.money import money as format_money
from apps.treasury.models import CashPosition

from ..plotting import colour, figure, to_chart, workbench
from .result import Cell, Tile, WidgetResult


def _booked(user, filters):
    """(account, day) → latest booked balance of that day, for the filtered entities since the start."""
    qs = CashPosition.objects.filter(legal_entity_id__in=filters.entities, kind="booked",
                                     position_date__gte=filters.start)
    if filters.currency:
        qs = qs.filter(currency=filters.currency)
    # The unique key allows several booked positions a day (re-sent statements): the latest as_of wins.
    latest = qs.values("bank_account_id", "position_date").annotate(as_of=Max("as_of")).order_by()
    wanted = {(r["bank_account_id"], r["position_date"], r["as_of"]) for r in latest}
    rows = (qs.order_by("bank_account_id", "position_date")
            .values_list("bank_account_id", "bank_account__name", "bank_account__bank__name", "legal_entity_id",
                         "legal_entity__code", "currency", "position_date", "as_of", "amount"))
    return [r for r in rows if (r[0], r[6], r[7]) in wanted]


def cash_history(*, user, filters) -> WidgetResult:
    rows = _booked(user, filters)
    if not rows:
        return WidgetResult(empty="No statement balances yet: they appear once bank statements are imported "
                                  "(upload, bank API, SFTP or drop folder).")
    by_currency: dict[str, dict[int, dict]] = defaultdict(dict)
    for account_id, account, bank, entity_id, entity, currency, day, _, amount in rows:
        line = by_currency[currency].setdefault(account_id, {"label": f"{entity} · {bank} · {account}",
                                                             "entity": entity_id, "x": [], "y": []})
        line["x"].append(day.isoformat())
        line["y"].append(amount)
    figures = []
    for currency in sorted(by_currency):
        data = [{"type": "scatter", "mode": "lines", "name": line["label"], "x": line["x"],
                 "y": [to_chart(a) for a in line["y"]], "line": {"color": colour(i)},
                 "customdata": [workbench(bank_account_id=account_id)] * len(line["x"]),
                 "hovertemplate": "%{x}<br>%{y:,.2f} " + currency + "<extra>%{fullData.name}</extra>"}
                for i, (account_id, line) in enumerate(sorted(by_currency[currency].items(),
                                                              key=lambda kv: kv[1]["label"]))]
        figures.append((f"{currency} accounts", figure(data, yaxis={"title": f"booked balance, {currency}",
                                                                     "tickformat": ",.0f"},
                                                        xaxis={"type": "date"}, height=300)))
    return WidgetResult(figures=figures, note="Click a line to see the exceptions of that bank account.")


def cash_latest(*, user, filters) -> WidgetResult:
    """Latest booked balance by bank, legal entity and currency (summed over the accounts there)."""
    rows = _booked(user, filters)
    if not rows:
        return WidgetResult(empty="No balances in this period: import a bank statement to see cash by bank.")
    latest: dict[int, tuple] = {}
    for row in rows:
        latest[row[0]] = row  # rows are ordered by account and date: the last one wins
    groups: dict[tuple[str, str, str], list] = defaultdict(lambda: [Decimal(0), None, 0])
    for _, _, bank, _, entity, currency, day, _, amount in latest.values():
        group = groups[(entity, bank, currency)]
        group[0] += amount
        group[1] = max(group[1], day) if group[1] else day
        group[2] += 1
    totals: dict[str, Decimal] = defaultdict(Decimal)
    table = []
    for (entity, bank, currency), (amount, day, accounts) in sorted(groups.items()):
        totals[currency] += amount
        table.append([Cell(entity), Cell(bank), Cell(currency), Cell(format_money(amount, currency), num=True),
                      Cell(f"{accounts}", num=True), Cell(day.isoformat())])
    tiles = [Tile(f"Cash in {ccy}", format_money(amount, ccy), "red" if amount < 0 else "")
             for ccy, amount in sorted(totals.items())]
    return WidgetResult(tiles=tiles, columns=["Entity", "Bank", "Currency", "Balance", "Accounts", "As of"],
                        rows=table)
