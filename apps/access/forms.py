"""Forms of the access pages."""

from __future__ import annotations

from django import forms

from .roles import Capability
from .services import TOKEN_MAX_DAYS


class ApiTokenForm(forms.Form):
    """A new API token: its purpose, what it may do, where, and for how long (choices = the user's own)."""

    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'ERP nightly export'.")
    capabilities = forms.MultipleChoiceField(widget=forms.CheckboxSelectMultiple)
    legal_entities = forms.ModelMultipleChoiceField(queryset=None, widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.IntegerField(min_value=1, max_value=TOKEN_MAX_DAYS, initial=90,
                                         label="Expires after (days)")

    def __init__(self, *args, capabilities: set[str], entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["capabilities"].choices = [(c.value, c.label) for c in Capability if c.value in capabilities]
        self.fields["legal_entities"].queryset = entities
        self.fields["legal_entities"].label_from_instance = lambda e: f"{e.code} · {e.name}"


class RevokeForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
