"""Duplicate-supplier screening: does a new or changed supplier already exist in the legal entity?

Three signals, each cheap at 100,000 suppliers:
- the tax id, normalised with python-stdnum (indexed lookup);
- a bank account: IBAN compacted with schwifty, or a local account number with its routing code (indexed);
- the name, fuzzily (rapidfuzz), only against suppliers of the same entity and country ("blocking").

Names are compared against an in-process index per (entity, country) that is refreshed incrementally
from `updated_at` on every screening, so a screening reads only what changed since the last one. The
index only proposes; every candidate is re-read from the database and re-scored before it is reported.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.db.models import Q
from rapidfuzz import fuzz, process

from apps.masterdata.choices import SupplierStatus
from apps.masterdata.models import Supplier, SupplierBankAccount

from .names import name_key

NAME_CANDIDATES = 10  # at most this many fuzzy-name candidates per screening


@dataclass(frozen=True)
class SupplierProfile:
    """What is known of the supplier being screened, identifiers already normalised."""

    name: str
    country: str
    number: str = ""
    tax_id: str = ""
    iban: str = ""
    account_number: str = ""
    routing_number: str = ""


@dataclass
class DuplicateCandidate:
    """An existing supplier that looks like the screened one, and why."""

    id: int
    number: str
    name: str
    tax_id: str
    matched_on: list[str]
    country: str = ""
    city: str = ""
    status: str = ""
    ibans: list[str] = field(default_factory=list)
    name_score: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class _NameBlock:
    ids: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)
    seen_until: datetime | None = None


_blocks: dict[tuple[int, str], _NameBlock] = {}
_lock = threading.Lock()


def name_index_clear() -> None:
    """Forget the cached name blocks (tests; after a bulk load outside the ORM)."""
    with _lock:
        _blocks.clear()


def _block(entity_id: int, country: str) -> _NameBlock:
    """The (entity, country) name block, brought up to date with the rows changed since it was last read."""
    with _lock:
        block = _blocks.setdefault((entity_id, country), _NameBlock())
        rows = Supplier.objects.filter(legal_entity_id=entity_id, country=country)
        if block.seen_until is not None:
            # >= rather than >: rows saved in the same microsecond as the last one seen are read again.
            rows = rows.filter(updated_at__gte=block.seen_until)
        for pk, name, status, updated_at in rows.values_list("id", "name", "status", "updated_at").iterator(
                chunk_size=5000):
            key = "" if status == SupplierStatus.MERGED else name_key(name)
            at = block.position.get(pk)
            if at is None:
                block.position[pk] = len(block.ids)
                block.ids.append(pk)
                block.keys.append(key)
            else:
                block.keys[at] = key
            if block.seen_until is None or updated_at > block.seen_until:
                block.seen_until = updated_at
        return block


def _name_hits(entity_id: int, profile: SupplierProfile, threshold: int) -> dict[int, float]:
    query = name_key(profile.name)
    if not query:
        return {}
    block = _block(entity_id, profile.country)
    hits = process.extract(query, block.keys, scorer=fuzz.ratio, score_cutoff=threshold, limit=NAME_CANDIDATES)
    return {block.ids[index]: score for _, score, index in hits}


def supplier_screen(*, entity_id: int, profile: SupplierProfile, name_threshold: int,
                    exclude_id: int | None = None) -> list[DuplicateCandidate]:
    """Existing suppliers of the entity (merged ones excluded) sharing the tax id, a bank account or the
    number with `profile`, or whose name in the same country scores at least `name_threshold` (0–100)."""
    exact = Q(number=profile.number) if profile.number else Q(pk__in=[])
    if profile.tax_id:
        exact |= Q(tax_id_normalized=profile.tax_id)
    account_match = Q(pk__in=[])
    if profile.iban:
        account_match |= Q(iban=profile.iban)
    if profile.account_number and profile.routing_number:
        account_match |= Q(account_number=profile.account_number, routing_number=profile.routing_number)
    # Ids first (an index lookup on iban): "OR pk IN (subquery)" would make PostgreSQL scan every supplier.
    by_account = list(SupplierBankAccount.objects.filter(account_match, supplier__legal_entity_id=entity_id)
                      .values_list("supplier_id", flat=True)) if profile.iban or profile.account_number else []
    names = _name_hits(entity_id, profile, name_threshold)
    found = (Supplier.objects.filter(legal_entity_id=entity_id)
             .filter(exact | Q(pk__in=by_account) | Q(pk__in=list(names)))
             .exclude(status=SupplierStatus.MERGED).prefetch_related("bank_accounts").order_by("number"))
    if exclude_id is not None:
        found = found.exclude(pk=exclude_id)
    query_key = name_key(profile.name)
    candidates = []
    for supplier in found:
        accounts = list(supplier.bank_accounts.all())
        score = None
        if supplier.pk in names and supplier.country == profile.country:
            score = round(fuzz.ratio(query_key, name_key(supplier.name)), 1)  # re-scored from the row itself
        matched_on = [what for what, hit in [
            ("tax id", bool(profile.tax_id) and supplier.tax_id_normalized == profile.tax_id),
            ("IBAN", bool(profile.iban) and any(a.iban == profile.iban for a in accounts)),
            ("bank account", bool(profile.account_number) and any(
                (a.account_number, a.routing_number) == (profile.account_number, profile.routing_number)
                for a in accounts)),
            ("number", bool(profile.number) and supplier.number == profile.number),
            ("name", score is not None and score >= name_threshold),
        ] if hit]
        if not matched_on:
            continue  # a stale name-index entry: the row no longer matches
        candidates.append(DuplicateCandidate(
            id=supplier.pk, number=supplier.number, name=supplier.name, tax_id=supplier.tax_id_normalized,
            matched_on=matched_on, country=supplier.country, city=supplier.city, status=supplier.status,
            ibans=[a.iban for a in accounts if a.iban], name_score=score))
    # Strongest evidence first: identifiers before names, then the closest name.
    candidates.sort(key=lambda c: (-(len(c.matched_on) - ("name" in c.matched_on)), -(c.name_score or 0), c.number))
    return candidates


@dataclass(frozen=True)
class DuplicatePair:
    """Two existing suppliers of one entity that look like the same firm."""

    first_id: int
    second_id: int
    matched_on: str  # "tax id", "IBAN" or "name"
    score: float | None = None


def duplicate_pairs(*, entity_id: int, name_threshold: int, progress=None) -> list[DuplicatePair]:
    """Every pair of active suppliers of the entity sharing a tax id or an IBAN, or whose names in the same
    country score at least `name_threshold`. Names are compared only within a country block; each name once
    against its whole block with a score cut-off (rapidfuzz stops early on hopeless pairs), keeping j > i.
    `progress(done, total)` is called after each country block."""
    live = Supplier.objects.filter(legal_entity_id=entity_id).exclude(status=SupplierStatus.MERGED)
    pairs: set[DuplicatePair] = set()
    for field_name, label, rows in (
            ("tax_id_normalized", "tax id", live.exclude(tax_id_normalized="").values_list("tax_id_normalized", "id")),
            ("iban", "IBAN", SupplierBankAccount.objects.filter(supplier__in=live).exclude(iban="")
             .values_list("iban", "supplier_id"))):
        groups: dict[str, list[int]] = {}
        for value, pk in rows.order_by(field_name):
            groups.setdefault(value, []).append(pk)
        for ids in groups.values():
            ids = sorted(set(ids))
            pairs.update(DuplicatePair(a, b, label) for n, a in enumerate(ids) for b in ids[n + 1:])
    countries = list(live.values_list("country", flat=True).distinct().order_by("country"))
    total = live.count()
    done = 0
    for country in countries:
        block = _block(entity_id, country)
        keys = block.keys
        for i, key in enumerate(keys):
            if not key:
                continue
            for _, score, j in process.extract(key, keys, scorer=fuzz.ratio, score_cutoff=name_threshold, limit=None):
                if j > i and keys[j]:
                    low, high = sorted((block.ids[i], block.ids[j]))
                    pairs.add(DuplicatePair(low, high, "name", round(score, 1)))
        done += len(keys)
        if progress is not None:
            progress(done, total)
    return sorted(pairs, key=lambda p: (p.first_id, p.second_id, p.matched_on))
