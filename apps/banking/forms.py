"""Forms of the bank files pages."""

from __future__ import annotations

from django import forms

from apps.masterdata.models import LegalEntity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); size and kind are checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class UploadForm(forms.Form):
    legal_entity = forms.ModelChoiceField(queryset=LegalEntity.objects.none(), label="Legal entity",
                                          help_text="The entity whose bank accounts the files are for.")
    files = MultipleFileField(label="Bank files", help_text="camt.052/053/054, MT940/MT942, BAI2 statements or "
                                                           "pain.002 status reports; several at once.")

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_entity"].queryset = entities
        if len(entities) == 1:
            self.fields["legal_entity"].initial = entities[0]
