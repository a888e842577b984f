"""What every proposal of a governed version asks for besides its own terms."""

from __future__ import annotations

from django import forms


class ProposalForm(forms.Form):
    """Base of a proposal form: the owning app declares its terms; when it runs and why come last.

    `wide_fields` span the grid in templates/governance/_propose_form.html.
    """

    wide_fields: tuple[str, ...] = ("change_note",)

    effective_from = forms.DateTimeField(required=False, label="Effective from (UTC)",
                                         help_text="empty: as soon as it is approved",
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    change_note = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Why this change",
                                  help_text="the approver and the auditors read it")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Declared base fields come first in Django forms; the approver reads the terms before the reasons.
        for name in ("effective_from", "change_note"):
            self.fields[name] = self.fields.pop(name)
