"""Change polling that never skips or double-reads a page while the source keeps changing.

Offset paging over "updated after T" is unsafe: a record edited while we page moves to the end of the
order, every later record shifts one place forward and one of them is never read. Keyset paging is
safe: the cursor is the sort key of the last record read, (updated_at, id), and the next page is what
sorts after it. Sources whose filters only AND (Coupa, Kyriba) cannot say "(u > T) or (u = T and id > I)"
in one query, so a poll asks in two steps: first the rest of the records *at* T after id I, then the
records *after* T. With whole-second timestamps (Coupa) ties are common, so the first step matters.

The cursor is {"updated_after": ISO timestamp, "last_id": id of the last record read at that timestamp}.
A record edited after we read it gets a later updated_at and is read again: as a new version, which is
right (the pipeline treats an unchanged repeat as a duplicate by its version).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .base import InboundRecord, PollPage

EPOCH = "1970-01-01T00:00:00+00:00"


def parse_moment(raw) -> datetime | None:
    if not isinstance(raw, str) or not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Keyset:
    """How one source names things: the record's id and timestamp, and how to compare ids."""

    object_type: str
    id_of: Callable[[dict], Any]
    updated_of: Callable[[dict], Any]
    id_sort: Callable[[Any], Any] = lambda value: value

    def page(self, cursor: dict, *, limit: int, fetch_ties, fetch_after) -> PollPage:
        """`fetch_ties(T, last_id)` → records with updated_at == T and id > last_id, by id;
        `fetch_after(T)` → records with updated_at > T, by (updated_at, id). Both get at most `limit`."""
        updated_after = cursor.get("updated_after") or EPOCH
        last_id = cursor.get("last_id")
        if last_id is not None:
            ties = fetch_ties(updated_after, last_id)
            if ties:
                return self._page(ties, cursor, limit, ties_phase=True)
        return self._page(fetch_after(updated_after), cursor, limit, ties_phase=False)

    def _page(self, items: list[dict], cursor: dict, limit: int, *, ties_phase: bool) -> PollPage:
        records, keys = [], []
        for item in items:
            raw_id, raw_updated = self.id_of(item), self.updated_of(item)
            moment = parse_moment(raw_updated)
            external_id = "" if raw_id is None else str(raw_id)
            records.append(InboundRecord(object_type=self.object_type, external_id=external_id, payload=item,
                                         updated_at=moment, version=str(raw_updated or "")))
            if raw_id is not None and moment is not None:
                keys.append((moment, self.id_sort(raw_id), raw_id, raw_updated))
        if not keys:
            return PollPage(records=records, cursor=dict(cursor), has_more=False)
        # The maximum, not the last item: a source may deliver a page out of order.
        _moment, _sort, last_id, last_updated = max(keys, key=lambda k: (k[0], k[1]))
        distinct = len({(k[0], k[1]) for k in keys})
        new_cursor = {**cursor, "updated_after": last_updated, "last_id": last_id}
        return PollPage(records=records, cursor=new_cursor, has_more=ties_phase or distinct >= limit)
