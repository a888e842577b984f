"""What a widget answers: figures, headline tiles, a table, or a helpful empty state."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Tile:
    label: str
    value: str
    tone: str = ""  # green / amber / red / "" (neutral)
    href: str = ""


@dataclass
class Cell:
    text: str
    href: str = ""
    badge: str = ""  # a badge colour renders the text as a badge
    num: bool = False


@dataclass
class WidgetResult:
    figures: list[tuple[str, dict]] = field(default_factory=list)  # (caption, Plotly figure)
    tiles: list[Tile] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    empty: str = ""  # shown instead of everything else when set
    note: str = ""
