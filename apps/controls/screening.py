"""Duplicate-supplier screening: does a new or changed supplier already exist in the legal entity?

Three signals, each cheap at 100,000 suppliers:
- the tax id, normalised with python-stdnum (indexed lookup);
- a bank account: IBAN compacted with schwifty, or a local account number with its routing code (indexed);
- the name, fuzzily (rapidfuzz), only against suppliers of the same entity and country ("blocking"), and
  within it only against names whose letters can still reach the threshold (`name_index`, a second,
  lossless blocking level).

Names are compared against an in-process index per (entity, country) that is refreshed incrementally
from `updated_at` on every screening, so a screening reads only what changed since the last one. The
index only proposes; every candidate is re-read from the database and re-scored before it is reported.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field

from rapidfuzz import fuzz

from apps.masterdata.choices import SupplierStatus
from apps.masterdata.models import Supplier, SupplierBankAccount

from .name_index import NameBlock
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


_blocks: dict[tuple[int, str], NameBlock] = {}
_lock = threading.Lock()


def name_index_clear() -> None:
    """Forget the cached name blocks (tests; after a bulk load outside the ORM)."""
    with _lock:
        _blocks.clear()


def _block(entity_id: int, country: str) -> NameBlock:
    """The (entity, country) name block, brought up to date with the rows changed since it was last read."""
    with _lock:
        block = _blocks.setdefault((entity_id, country), NameBlock())
        rows = Supplier.objects.filter(legal_entity_id=entity_id, country=country)
        if block.seen_until is not None:
            # >= rather than >: rows saved in the same microsecond as the last one seen are read again.
            rows = rows.filter(updated_at__gte=block.seen_until)
        # One round trip: .iterator() would open a server-side cursor (DECLARE, FETCH, CLOSE) for what is
        # almost always zero or a few changed rows; the first read of a block is a few MB at 35,000 names.
        changed = list(rows.values_list("id", "name", "status", "updated_at").order_by("id"))
        block.put([(pk, "" if status == SupplierStatus.MERGED else name_key(name)) for pk, name, status, _ in changed])
        if changed:
            latest = max(updated_at for *_, updated_at in changed)
            block.seen_until = latest if block.seen_until is None else max(block.seen_until, latest)
        return block


def _name_hits(entity_id: int, profile: SupplierProfile, threshold: int) -> dict[int, float]:
    query = name_key(profile.name)
    if not query:
        return {}
    block = _block(entity_id, profile.country)
    return {block.ids[at]: score for at, score in block.hits(query, threshold, limit=NAME_CANDIDATES)}


def _matching_ids(entity_id: int, profile: SupplierProfile, name_ids: list[int]):
    """A subquery of the ids of suppliers sharing the number, tax id or a bank account with `profile`, or
    among `name_ids`, or None when there is nothing to look up: a UNION of lookups that each walk their own
    index. (One query OR-ing them made PostgreSQL read the entity's 100,000 suppliers and filter them.) Tax id
    and bank-account hits may belong to other entities; the caller keeps the entity's own."""
    lookups = []
    if name_ids:
        lookups.append(Supplier.objects.filter(pk__in=name_ids).values_list("id"))
    if profile.number:
        lookups.append(Supplier.objects.filter(legal_entity_id=entity_id, number=profile.number).values_list("id"))
    if profile.tax_id:
        lookups.append(Supplier.objects.filter(tax_id_normalized=profile.tax_id).values_list("id"))
    if profile.iban:
        lookups.append(SupplierBankAccount.objects.filter(iban=profile.iban).values_list("supplier_id"))
    if profile.account_number and profile.routing_number:
        lookups.append(SupplierBankAccount.objects.filter(
            account_number=profile.account_number, routing_number=profile.routing_number).values_list("supplier_id"))
    if not lookups:
        return None
    first, *rest = [q.order_by() for q in lookups]
    return first.union(*rest) if rest else first


_SUPPLIER = ("id", "legal_entity_id", "number", "name", "tax_id_normalized", "country", "city", "status")
_ACCOUNT = ("bank_accounts__iban", "bank_accounts__account_number", "bank_accounts__routing_number")


def _suppliers_with_accounts(ids) -> list[tuple[dict, list[tuple[str, str, str]]]]:
    """Suppliers with these ids and their bank accounts (iban, account number, routing code; newest first), in
    one query: a left join, one row per account, instead of a second query to prefetch the accounts."""
    out: dict[int, tuple[dict, list]] = {}
    for values in (Supplier.objects.filter(pk__in=ids).values_list(*_SUPPLIER, *_ACCOUNT)
                   .order_by("number", "-bank_accounts__created_at", "bank_accounts__id")):
        row = dict(zip(_SUPPLIER, values[:len(_SUPPLIER)], strict=True))
        _, accounts = out.setdefault(row["id"], (row, []))
        iban, number, routing = values[len(_SUPPLIER):]
        if iban is not None or number is not None:  # None, None: the supplier has no account (the left join)
            accounts.append((iban or "", number or "", routing or ""))
    return list(out.values())


def supplier_screen(*, entity_id: int, profile: SupplierProfile, name_threshold: int,
                    exclude_id: int | None = None) -> list[DuplicateCandidate]:
    """Existing suppliers of the entity (merged ones excluded) sharing the tax id, a bank account or the
    number with `profile`, or whose name in the same country scores at least `name_threshold` (0–100).
    Two round trips: the name block's changes, and the matching suppliers with their bank accounts."""
    names = _name_hits(entity_id, profile, name_threshold)
    matching = _matching_ids(entity_id, profile, list(names))
    if matching is None:
        return []
    query_key = name_key(profile.name)
    candidates = []
    for row, accounts in _suppliers_with_accounts(matching):
        # The entity is checked here, not in SQL: with it, a plan may scan the entity's suppliers, not the ids.
        if row["legal_entity_id"] != entity_id or row["status"] == SupplierStatus.MERGED or row["id"] == exclude_id:
            continue
        score = None
        if row["id"] in names and row["country"] == profile.country:
            score = round(fuzz.ratio(query_key, name_key(row["name"])), 1)  # re-scored from the row itself
        matched_on = [what for what, hit in [
            ("tax id", bool(profile.tax_id) and row["tax_id_normalized"] == profile.tax_id),
            ("IBAN", bool(profile.iban) and any(iban == profile.iban for iban, *_ in accounts)),
            ("bank account", bool(profile.account_number) and any(
                (number, routing) == (profile.account_number, profile.routing_number)
                for _, number, routing in accounts)),
            ("number", bool(profile.number) and row["number"] == profile.number),
            ("name", score is not None and score >= name_threshold),
        ] if hit]
        if not matched_on:
            continue  # a stale name-index entry: the row no longer matches
        candidates.append(DuplicateCandidate(
            id=row["id"], number=row["number"], name=row["name"], tax_id=row["tax_id_normalized"],
            matched_on=matched_on, country=row["country"], city=row["city"], status=row["status"],
            ibans=[iban for iban, *_ in accounts if iban], name_score=score))
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
    country score at least `name_threshold`. Names are compared only within a country block, each pair once and
    only when their lengths allow the threshold (`NameBlock.pairs`).
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
        for i, j, score in block.pairs(name_threshold):
            low, high = sorted((block.ids[i], block.ids[j]))
            pairs.add(DuplicatePair(low, high, "name", round(score, 1)))
        done += len(block.keys)
        if progress is not None:
            progress(done, total)
    return sorted(pairs, key=lambda p: (p.first_id, p.second_id, p.matched_on))
