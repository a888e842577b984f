"""The mapping editor: field rules as JSON, crosswalks as CSV lines (what finance keeps in spreadsheets)."""

from __future__ import annotations

import json

from django import forms

from apps.common.errors import DomainError

from . import schemas
from .engine import spec_problems
from .models import Mapping, MappingVersion
from .transfer import CSV_HEADER, crosswalks_from_csv, crosswalks_to_csv

RULES_HELP = ('{"fields": {"canonical field": {"from": "source.path", "transform": "decimal", '
              '"crosswalk": "gl_account", "required": true}}, "lists": {"lines": {"from": "items", "fields": {…}}}}')
STANDARD_CROSSWALKS = ("gl_account", "cost_center", "tax_code", "payment_method", "legal_entity")


class MappingDraftForm(forms.Form):
    rules = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false", "class": "code"}),
                            label="Field rules (JSON)", help_text=RULES_HELP)
    crosswalks = forms.CharField(required=False, label="Value crosswalks (CSV: crosswalk, source value, target)",
                                 widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"}),
                                 help_text="e.g. gl_account,400100,6100 — source account code → GL account; also "
                                           + ", ".join(STANDARD_CROSSWALKS[1:]))
    schema_version = forms.ChoiceField(label="Canonical schema version")
    effective_from = forms.DateTimeField(required=False, label="Effective from (UTC)",
                                         help_text="empty: as soon as it is approved",
                                         widget=forms.DateTimeInput(attrs={"type": "datetime-local"},
                                                                    format="%Y-%m-%dT%H:%M"))
    change_note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Why this change",
                                  help_text="required to propose; the approver and the auditors read it")

    def __init__(self, *args, mapping: Mapping, **kwargs):
        super().__init__(*args, **kwargs)
        versions = schemas.available_versions(mapping.canonical_type) or ["v1"]
        self.fields["schema_version"].choices = [(v, v) for v in versions]

    @staticmethod
    def initial_from(version: MappingVersion | None) -> dict:
        if version is None:
            return {"rules": json.dumps({"fields": {}}, indent=2), "crosswalks": ",".join(CSV_HEADER) + "\n"}
        rules = {k: v for k, v in version.spec.items() if k != "crosswalks"}
        return {"rules": json.dumps(rules, indent=2, ensure_ascii=False),
                "crosswalks": crosswalks_to_csv(version.spec), "schema_version": version.schema_version,
                "effective_from": version.effective_from if version.is_editable else None,
                "change_note": version.change_note if version.is_editable else ""}

    def clean(self):
        data = super().clean()
        try:
            rules = json.loads(data.get("rules") or "")
        except ValueError as exc:
            self.add_error("rules", f"Not valid JSON: {exc}")
            return data
        if not isinstance(rules, dict):
            self.add_error("rules", "The rules must be a JSON object with 'fields' and optionally 'lists'.")
            return data
        try:
            crosswalks = crosswalks_from_csv(data.get("crosswalks") or "")
        except DomainError as exc:
            self.add_error("crosswalks", exc.message)
            return data
        spec = {**{k: v for k, v in rules.items() if k != "crosswalks"}, "crosswalks": crosswalks}
        for problem in spec_problems(spec):
            self.add_error("rules", problem)
        data["spec"] = spec
        return data


class ImportForm(forms.Form):
    file = forms.FileField(label="Version file (.json) or crosswalks (.csv)")
