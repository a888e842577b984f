"""Input of the workbench actions. Forms check shape only; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from apps.exceptions.choices import ResolutionCode

from .services import VERSION_CHOICES

# People pick why they closed a case; "resolved automatically" is FinSync's own reason only.
RESOLVE_REASONS = [(c.value, c.label) for c in ResolutionCode if c != ResolutionCode.AUTO_RESOLVED]


class ResolveForm(forms.Form):
    reason_code = forms.ChoiceField(choices=RESOLVE_REASONS, label="Reason")
    note = forms.CharField(required=False, max_length=4000, label="Comment",
                           widget=forms.Textarea(attrs={"rows": 2}))


class IgnoreForm(forms.Form):
    justification = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 2}),
                                    help_text="Why no action is needed (at least 10 characters).")


class AssignForm(forms.Form):
    owner = forms.ModelChoiceField(queryset=None, label="Assign to")

    def __init__(self, *args, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = users


class ClaimForm(forms.Form):
    pass


class ReplayForm(forms.Form):
    version_choice = forms.ChoiceField(choices=VERSION_CHOICES, initial="current", widget=forms.RadioSelect,
                                       label="Mapping version")
    reason = forms.CharField(required=False, max_length=500, label="Why replay")


class BulkReplayForm(ReplayForm):
    dry_run = forms.BooleanField(required=False, label="Dry run only (say what would happen)")


class PayloadEditForm(forms.Form):
    payload = forms.CharField(widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "false"}),
                              label="Corrected payload (JSON)")
    version_choice = forms.ChoiceField(choices=VERSION_CHOICES, initial="current", widget=forms.RadioSelect,
                                       label="Replay with")
    note = forms.CharField(max_length=2000, label="What you changed and why",
                           widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve and replay"), ("reject", "Reject")])
    note = forms.CharField(required=False, max_length=2000, label="Note")


class SavedViewForm(forms.Form):
    name = forms.CharField(max_length=80)
    query = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    shared = forms.BooleanField(required=False, label="Share with everyone")
