"""The control settings proposal form and the payment batch create form."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.common.money import quantize
from apps.exceptions.choices import KINDS
from apps.governance.forms import ProposalForm
from apps.masterdata.validators import normalize_iban, validate_bic

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


class PaymentBatchForm(forms.Form):
    """The batch header and the payment instructions picked for it (choices limited to the user's entities)."""

    debtor_account = forms.ModelChoiceField(queryset=None, label="Pay from", empty_label=None)
    requested_execution_date = forms.DateField(label="Execution date", widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(max_length=35, required=False, label="Reference (message id)",
                                help_text="left empty, FinSync makes one")
    payments = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                              label="Payment instructions awaiting a batch")
    idempotency_key = forms.CharField(max_length=80, widget=forms.HiddenInput)

    def __init__(self, *args, accounts, payments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["debtor_account"].queryset = accounts
        self.fields["debtor_account"].label_from_instance = (
            lambda a: f"{a.legal_entity.code} · {a.name} · {a.iban or a.account_number} ({a.currency})")
        self.fields["payments"].queryset = payments
        self.fields["payments"].label_from_instance = (
            lambda p: f"{p.end_to_end_id} · {p.creditor_name} · {quantize(p.amount, p.currency)} {p.currency} · "
                      f"{p.requested_date:%Y-%m-%d}"
                      f"{' · held' if p.status == 'held' else ''}")

    def clean_requested_execution_date(self):
        day = self.cleaned_data["requested_execution_date"]
        if day < timezone.localdate():
            raise forms.ValidationError("The execution date cannot be in the past.")
        return day


class EnteredPaymentForm(forms.Form):
    """One payment typed in: creditor IBAN (and BIC), amount in the batch currency, remittance text."""

    iban = forms.CharField(max_length=42, label="Creditor IBAN",
                           widget=forms.TextInput(attrs={"aria-label": "Creditor IBAN", "autocomplete": "off",
                                                         "size": 34}))
    bic = forms.CharField(max_length=11, required=False, label="BIC",
                          widget=forms.TextInput(attrs={"aria-label": "BIC", "autocomplete": "off"}))
    amount = forms.DecimalField(min_value=Decimal("0.001"), max_digits=15, decimal_places=3, label="Amount",
                                widget=forms.NumberInput(attrs={"aria-label": "Amount", "step": "0.01"}))
    remittance_info = forms.CharField(max_length=140, required=False, label="Remittance information",
                                      widget=forms.TextInput(attrs={"aria-label": "Remittance information"}))

    def clean_iban(self):
        try:
            return normalize_iban(self.cleaned_data["iban"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from exc

    def clean_bic(self):
        value = self.cleaned_data["bic"].strip().upper()
        if value:
            try:
                validate_bic(value)
            except ValidationError as exc:
                raise forms.ValidationError(exc.messages[0]) from exc
        return value


EnteredPaymentFormSet = forms.formset_factory(EnteredPaymentForm, extra=3, max_num=50)
