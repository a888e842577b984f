"""The SLA proposal form: minutes for people, seconds for the model."""

from __future__ import annotations

from django import forms

from apps.connectors.models import Connector
from apps.governance.forms import ProposalForm

from .choices import SlaFlow
from .services import SlaTerms


class SlaProposalForm(ProposalForm):
    flow = forms.ChoiceField(choices=SlaFlow.choices)
    legal_entity = forms.TypedChoiceField(coerce=int, label="Legal entity")
    target_minutes = forms.DecimalField(min_value=0.1, max_digits=8, decimal_places=2,
                                        label="Latency target (minutes)",
                                        help_text="from receipt to delivery, per record")
    warning_minutes = forms.DecimalField(min_value=0.1, max_digits=8, decimal_places=2,
                                         label="Warning threshold (minutes)",
                                         help_text="a 95th percentile above this shows amber")
    compliance_pct = forms.DecimalField(min_value=0.01, max_value=100, max_digits=5, decimal_places=2, initial=95,
                                        label="Share that must meet the target (%)")
    statement_due_local = forms.TimeField(required=False, label="Prior-day statement due by (local time)",
                                          help_text="bank statement ingestion only, e.g. 08:00 in the entity's "
                                                    "time zone", widget=forms.TimeInput(attrs={"type": "time"}))
    statement_business_days_only = forms.BooleanField(required=False, initial=True,
                                                      label="Statements on business days only")
    poll_connector = forms.ModelChoiceField(queryset=Connector.objects.order_by("name"), required=False,
                                            label="Connector that must poll", to_field_name="code")
    poll_max_gap_minutes = forms.IntegerField(required=False, min_value=1,
                                              label="Successful poll at least every (minutes)")

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["legal_entity"].choices = [(e.pk, f"{e.code} {e.name}") for e in entities]
        self.entities = {e.pk: e for e in entities}

    def terms(self) -> SlaTerms:
        data = self.cleaned_data
        return SlaTerms(target_seconds=int(data["target_minutes"] * 60),
                        warning_seconds=int(data["warning_minutes"] * 60), compliance_pct=data["compliance_pct"],
                        statement_due_local=data["statement_due_local"],
                        statement_business_days_only=data["statement_business_days_only"],
                        poll_connector=data["poll_connector"], poll_max_gap_minutes=data["poll_max_gap_minutes"])

    @staticmethod
    def initial_from(version) -> dict:
        return {"target_minutes": round(version.target_seconds / 60, 2),
                "warning_minutes": round(version.warning_seconds / 60, 2), "compliance_pct": version.compliance_pct,
                "statement_due_local": version.statement_due_local,
                "statement_business_days_only": version.statement_business_days_only,
                "poll_connector": version.poll_connector, "poll_max_gap_minutes": version.poll_max_gap_minutes}
