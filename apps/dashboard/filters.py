"""The filters every dashboard shares (kept in the URL): legal entity, period, currency."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.utils import timezone

from apps.access.selectors import entity_ids

PERIODS = [(7, "7 days"), (30, "30 days"), (90, "90 days"), (365, "12 months")]


@dataclass(frozen=True)
class DashboardFilters:
    """What a widget shows: the user's entities (or one of them), since `start`, in `currency` (cash)."""

    entities: frozenset[int]
    entity_id: int | None
    days: int
    currency: str

    @property
    def start(self) -> date:
        return timezone.now().date() - timedelta(days=self.days - 1)


class DashboardFilterForm(forms.Form):
    entity = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Legal entity")
    days = forms.TypedChoiceField(required=False, coerce=int, empty_value=30, choices=PERIODS, label="Period")
    currency = forms.RegexField(required=False, regex=r"^[A-Z]{3}$", label="Currency",
                                error_messages={"invalid": "A currency is three capital letters, e.g. EUR."})

    def __init__(self, data, *, user, entities):
        super().__init__(data)
        self.user = user
        self.fields["entity"].choices = [("", "All my entities")] + [(e.id, e.code) for e in entities]


class OutsideScope(Exception):
    """The URL names a legal entity the user may not see (answered 404, as for any other object)."""


def filters_from(params, *, user) -> tuple[DashboardFilters | None, DashboardFilterForm]:
    """Parse the URL's filters; (None, form with errors) on bad input. An entity outside the user's scope
    raises OutsideScope."""
    from apps.access.selectors import visible_entities

    allowed = entity_ids(user)
    raw_entity = params.get("entity") or ""
    if raw_entity.isdigit() and int(raw_entity) not in allowed:
        raise OutsideScope(raw_entity)
    data = params.copy()
    data.setdefault("days", "30")  # shown selected in the form, not only applied
    form = DashboardFilterForm(data, user=user, entities=visible_entities(user).order_by("code"))
    if not form.is_valid():
        return None, form
    entity_id = form.cleaned_data["entity"]
    scope = frozenset({entity_id}) if entity_id else frozenset(allowed)
    return DashboardFilters(entities=scope, entity_id=entity_id, days=form.cleaned_data["days"] or 30,
                            currency=form.cleaned_data["currency"] or ""), form
