"""Dates of the payment batch form and API tests (their fixtures `debtor`, `lyreco`, `waiting` are in conftest)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

LONG_AGO = timezone.now() - timedelta(days=400)
DAY = (timezone.localdate() + timedelta(days=1)).isoformat()
