"""Turning a job's result dict into what its page shows.

Convention for handlers: plain keys with numbers or short strings become labelled figures
("resolved": 812 → "Resolved 812"); "links" is a list of {"label", "url"} shown as buttons; "notes" is a
list of sentences shown under the figures.
"""

from __future__ import annotations

from dataclasses import dataclass

RESERVED = {"links", "notes"}


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: object


def summary_rows(result: dict | None) -> list[SummaryRow]:
    if not result:
        return []
    return [SummaryRow(key.replace("_", " ").capitalize(), value) for key, value in result.items()
            if key not in RESERVED and isinstance(value, int | float | str | bool)]


def summary_links(result: dict | None) -> list[dict]:
    links = (result or {}).get("links") or []
    # Only relative links: a handler's result never sends people off-site.
    return [link for link in links if isinstance(link, dict) and str(link.get("url", "")).startswith("/")]


def summary_notes(result: dict | None) -> list[str]:
    return [str(n) for n in (result or {}).get("notes") or []]
