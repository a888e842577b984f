"""Validators for identifiers of the finance world, backed by schwifty and python-stdnum."""

from __future__ import annotations

import pycountry
from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.util import get_cc_module


def validate_country(code: str) -> None:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValidationError(f"{code!r} is not an ISO 3166 country code", code="invalid_country")


def normalize_iban(value: str) -> str:
    """Return the IBAN in compact form, or raise ValidationError saying why it is invalid."""
    try:
        return IBAN(value).compact
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid IBAN {value!r}: {exc}", code="invalid_iban") from exc


def validate_iban(value: str) -> None:
    normalize_iban(value)


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid BIC {value!r}: {exc}", code="invalid_bic") from exc


_TAX_ID_MODULES = {"US": "ein"}


def normalize_tax_id(value: str, country: str) -> str:
    """Validate and compact a tax id for its country: VAT ids (with country prefix), US EIN, etc."""
    candidate = value.strip().upper().replace(" ", "")
    try:
        kind = _TAX_ID_MODULES.get(country.upper())
        if kind:
            return get_cc_module(country.lower(), kind).validate(candidate)
        if not candidate[:2].isalpha():
            candidate = country.upper() + candidate
        return vatin.validate(candidate)
    except StdnumError as exc:
        raise ValidationError(f"Invalid tax id {value!r} for {country}: {exc}", code="invalid_tax_id") from exc
