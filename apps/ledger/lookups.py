"""The reference data journal controls read — legal entities, accounting periods, GL accounts, cost
centers — memoised for the length of one chunk of records.

The pipeline checks a few hundred journals per task against the same handful of rows; reading them
once per chunk instead of four queries per journal is most of the difference between tens and
thousands of records per second. A chunk lasts well under a second, so a period closed meanwhile is
seen by the next chunk (the same window a single read has before its record is delivered).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date

from apps.masterdata.models import LegalEntity

from .models import AccountingPeriod, CostCenter, GLAccount

ADJUSTMENT_PERIOD = 13  # year-end adjustment period: overlaps the last month, never chosen by date

_UNREAD = object()
_current: ContextVar[LedgerLookups | None] = ContextVar("ledger_lookups", default=None)


class LedgerLookups:
    """Reads once, answers many times. Missing rows are remembered as missing too."""

    def __init__(self) -> None:
        self._entities: dict[str, LegalEntity | None] = {}
        self._periods: dict[int, list[AccountingPeriod]] = {}
        self._accounts: dict[tuple[int, str], GLAccount | None] = {}
        self._centers: dict[tuple[int, str], CostCenter | None] = {}
        self._period_of: dict[tuple[int, date], AccountingPeriod | None] = {}  # a chunk shares a few dates

    def entity(self, code: str | None) -> LegalEntity | None:
        if code not in self._entities:
            self._entities[code] = LegalEntity.objects.filter(code=code).first()
        return self._entities[code]

    def period(self, entity: LegalEntity, day: date) -> AccountingPeriod | None:
        """The entity's period containing `day` (the latest-starting one if periods overlap)."""
        key = (entity.pk, day)
        if key in self._period_of:
            return self._period_of[key]
        if entity.pk not in self._periods:
            self._periods[entity.pk] = list(AccountingPeriod.objects.filter(legal_entity=entity)
                                            .exclude(number=ADJUSTMENT_PERIOD).order_by("-start_date", "pk"))
        found = self._period_of[key] = next((p for p in self._periods[entity.pk] if p.start_date <= day <= p.end_date),
                                            None)
        return found

    def accounts(self, entity: LegalEntity, codes: Iterable[str]) -> dict[str, GLAccount]:
        return self._rows(self._accounts, GLAccount, entity, codes)

    def cost_centers(self, entity: LegalEntity, codes: Iterable[str]) -> dict[str, CostCenter]:
        return self._rows(self._centers, CostCenter, entity, codes)

    @staticmethod
    def _rows(cache: dict, model, entity: LegalEntity, codes: Iterable[str]) -> dict:
        pk, rows, missing = entity.pk, {}, []
        for code in codes:
            row = cache.get((pk, code), _UNREAD)
            if row is _UNREAD:
                missing.append(code)
            elif row is not None:
                rows[code] = row
        if missing:
            found = {row.code: row for row in model.objects.filter(legal_entity=entity, code__in=set(missing))}
            cache.update({(pk, c): found.get(c) for c in missing})
            rows.update({c: found[c] for c in missing if c in found})
        return rows


def ledger_lookups() -> LedgerLookups:
    """The lookups of the chunk being processed, or fresh ones (nothing memoised beyond this call)."""
    return _current.get() or LedgerLookups()


@contextmanager
def memoised_ledger_lookups() -> Iterator[LedgerLookups]:
    lookups = LedgerLookups()
    token = _current.set(lookups)
    try:
        yield lookups
    finally:
        _current.reset(token)
