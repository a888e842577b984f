"""Bank statement and payment file formats, pure Python (no Django, no database).

Read statements with ``parse_statement_file`` (camt.052/053/054, MT940/MT942, BAI2, recognised
automatically), or stream them as events with ``iter_statement_file`` (see ``stream``); read payment
status reports with ``parse_pain002``; build and read SEPA credit transfer files with
``build_pain001`` / ``parse_pain001``. Every failure is a ``FormatError``.
"""

from .detect import detect_format, iter_statement_file, parse_statement_file
from .errors import FormatError
from .model import Balance, ParsedEntry, ParsedFile, ParsedStatement, StatedTotals
from .pain001 import CreditTransferInput, PaymentFileInput, build_pain001, parse_pain001, validate_pain001
from .pain002 import PaymentStatus, PaymentStatusReport, parse_pain002

__all__ = [
    "Balance",
    "CreditTransferInput",
    "FormatError",
    "ParsedEntry",
    "ParsedFile",
    "ParsedStatement",
    "PaymentFileInput",
    "PaymentStatus",
    "PaymentStatusReport",
    "StatedTotals",
    "build_pain001",
    "detect_format",
    "iter_statement_file",
    "parse_pain001",
    "parse_pain002",
    "parse_statement_file",
    "validate_pain001",
]
