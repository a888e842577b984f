from django import forms


class ScheduleForm(forms.Form):
    """Polling interval in minutes for people (the beat schedule keeps seconds); empty stops polling."""

    every_minutes = forms.DecimalField(required=False, min_value=0.25, max_value=10080, decimal_places=2,
                                       label="Poll every (minutes)", help_text="empty: stop polling")

    def every_seconds(self) -> int | None:
        minutes = self.cleaned_data["every_minutes"]
        return None if minutes is None else int(minutes * 60)
