"""What the controls use when no approved settings are in effect: cautious values a finance team would
start from (documented in docs/controls.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from apps.exceptions.choices import KINDS


def _blocking_kinds() -> tuple[str, ...]:
    return tuple(code for code, kind in KINDS.items() if kind.blocks_close)


@dataclass(frozen=True)
class ControlSettings:
    """The control settings in effect for an entity. `version` is the approved version they come from
    (None: the built-in defaults)."""

    invoice_duplicate_window_days: int = 30
    match_price_tolerance_pct: Decimal = Decimal("2.00")
    match_price_tolerance_abs: Decimal = Decimal("0.05")
    match_quantity_tolerance_pct: Decimal = Decimal("0.00")
    match_quantity_tolerance_abs: Decimal = Decimal("0")
    supplier_name_threshold: int = 90
    bank_change_hold_days: int = 14
    close_blocking_kinds: tuple[str, ...] = field(default_factory=_blocking_kinds)
    unmatched_statement_line_age_days: int = 5
    version: object | None = None

    @property
    def source(self) -> str:
        return str(self.version) if self.version is not None else "built-in defaults"


DEFAULTS = ControlSettings()
SETTING_FIELDS = tuple(f for f in ControlSettings.__dataclass_fields__ if f != "version")
