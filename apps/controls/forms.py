"""The control settings proposal form."""

from __future__ import annotations

from django import forms

from apps.exceptions.choices import KINDS
from apps.governance.forms import ProposalForm

from .defaults import SETTING_FIELDS, ControlSettings

DEFAULT_SCOPE = ""


class ControlSettingsForm(ProposalForm):
    wide_fields = ("change_note", "close_blocking_kinds")

    legal_entity = forms.ChoiceField(label="Applies to", required=False)
    invoice_duplicate_window_days = forms.IntegerField(min_value=0, max_value=366,
                                                       label="Duplicate invoice window (days)",
                                                       help_text="same supplier, number and amount within this "
                                                                 "many days is a duplicate")
    match_price_tolerance_pct = forms.DecimalField(min_value=0, max_value=100, max_digits=5, decimal_places=2,
                                                   label="Price tolerance (%)")
    match_price_tolerance_abs = forms.DecimalField(min_value=0, max_digits=19, decimal_places=4,
                                                   label="Price tolerance (amount per unit)",
                                                   help_text="in the invoice currency; a difference within either "
                                                             "tolerance passes")
    match_quantity_tolerance_pct = forms.DecimalField(min_value=0, max_value=100, max_digits=5, decimal_places=2,
                                                      label="Quantity tolerance (%)")
    match_quantity_tolerance_abs = forms.DecimalField(min_value=0, max_digits=18, decimal_places=4,
                                                      label="Quantity tolerance (units)")
    supplier_name_threshold = forms.IntegerField(min_value=50, max_value=100, label="Supplier name match score",
                                                 help_text="0–100; suppliers in one country scoring at least this "
                                                           "are possible duplicates")
    bank_change_hold_days = forms.IntegerField(min_value=0, max_value=366, label="Hold after bank change (days)",
                                               help_text="payments to a bank account changed this recently are "
                                                         "held for review")
    unmatched_statement_line_age_days = forms.IntegerField(min_value=0, max_value=366,
                                                           label="Unmatched statement line age (days)")
    close_blocking_kinds = forms.MultipleChoiceField(
        choices=[(code, f"{kind.label} ({code})") for code, kind in KINDS.items()], required=False,
        widget=forms.CheckboxSelectMultiple, label="Exception kinds that block period close")

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_entity"].choices = [(DEFAULT_SCOPE, "Default for all entities")] + [
            (str(e.pk), f"{e.code} {e.name}") for e in entities]
        self.entities = {str(e.pk): e for e in entities}

    def entity(self):
        return self.entities.get(self.cleaned_data["legal_entity"])

    def terms(self) -> ControlSettings:
        data = self.cleaned_data
        values = {name: data[name] for name in SETTING_FIELDS}
        values["close_blocking_kinds"] = tuple(data["close_blocking_kinds"])
        return ControlSettings(**values)

    @staticmethod
    def initial_from(current: ControlSettings) -> dict:
        initial = {name: getattr(current, name) for name in SETTING_FIELDS}
        initial["close_blocking_kinds"] = list(current.close_blocking_kinds)
        return initial
