"""The parse result of a bank statement file, independent of Django and of the file format.

Money is always ``Decimal`` (never float); dates are ``date``; datetimes are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

STATEMENT_FORMATS = ("camt.052", "camt.053", "camt.054", "mt940", "mt942", "bai2")
CREDIT = "CRDT"
DEBIT = "DBIT"


@dataclass(frozen=True, slots=True)
class Balance:
    """A balance as the bank reported it.

    ``type_code`` is the format's own code: ISO 20022 OPBD/CLBD/CLAV/ITBD/PRCD/..., MT940 tags
    60F/60M/62F/62M/64/65, BAI2 type codes 010/015/040/045/...; ``amount`` is signed (a debit,
    i.e. overdrawn, balance is negative).
    """

    type_code: str
    amount: Decimal
    currency: str | None
    date: date | None


@dataclass(frozen=True, slots=True)
class StatedTotals:
    """Entry counts and sums the file states about itself (camt TxsSummry, MT942 90C/90D, BAI2 100/400).

    Kept as data, not enforced: files in the wild disagree with themselves, and whether that matters
    is a reconciliation decision. Sums are positive.
    """

    entry_count: int | None = None
    credit_count: int | None = None
    credit_sum: Decimal | None = None
    debit_count: int | None = None
    debit_sum: Decimal | None = None


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One booked (or pending/informational) movement on the account."""

    amount: Decimal  # always positive; the direction is credit_debit
    currency: str | None
    credit_debit: str  # "CRDT" or "DBIT"
    reversal: bool = False
    status: str | None = "BOOK"  # BOOK, PDNG or INFO (None when a camt entry states none)
    booking_date: date | None = None
    value_date: date | None = None
    bank_reference: str | None = None
    end_to_end_id: str | None = None
    instruction_id: str | None = None
    uetr: str | None = None
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    counterparty_bic: str | None = None
    remittance_info: str | None = None
    bank_transaction_code: str | None = None
    additional_info: str | None = None

    @property
    def is_credit(self) -> bool:
        return self.credit_debit == CREDIT

    @property
    def signed_amount(self) -> Decimal:
        """The amount with the sign of its effect on the balance (debits negative)."""
        return self.amount if self.is_credit else -self.amount


@dataclass(frozen=True, slots=True)
class ParsedStatement:
    """One account's statement, report or notification within a file.

    ``opening_balance``/``closing_balance`` follow the per-format rules documented in each parser;
    ``balances`` holds every balance the file states, in file order.
    """

    statement_id: str | None
    account: str | None  # IBAN or account number exactly as written in the file
    sequence_number: str | None = None
    account_currency: str | None = None
    servicer_bic: str | None = None
    owner_name: str | None = None
    from_dt: datetime | None = None
    to_dt: datetime | None = None
    created_at: datetime | None = None
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    available_balance: Balance | None = None
    intraday_balances: tuple[Balance, ...] = ()
    balances: tuple[Balance, ...] = ()
    entries: tuple[ParsedEntry, ...] = ()
    stated_totals: StatedTotals | None = None

    @property
    def entry_count(self) -> int:
        return len(self.entries)

    @property
    def sum_credits(self) -> Decimal:
        """Sum of all credit entries, pending ones included (filter on ``status`` when that matters)."""
        return sum((e.amount for e in self.entries if e.credit_debit == CREDIT), Decimal(0))

    @property
    def sum_debits(self) -> Decimal:
        """Sum of all debit entries as a positive number, pending ones included."""
        return sum((e.amount for e in self.entries if e.credit_debit == DEBIT), Decimal(0))


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole bank statement file: its format, header and statements.

    ``warnings`` lists, in plain words, anything the parser had to leave out (for example a balance
    without a currency) so that a person can judge it; a file that cannot be trusted raises instead.
    """

    format: str  # one of STATEMENT_FORMATS
    message_id: str | None
    created_at: datetime | None
    statements: list[ParsedStatement] = field(default_factory=list)
    warnings: tuple[str, ...] = ()
    version: str | None = None  # e.g. "camt.053.001.08"

    @property
    def entry_count(self) -> int:
        return sum(s.entry_count for s in self.statements)
