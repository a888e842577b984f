"""Template helpers of the workbench pages."""

import json

from django import template

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """A payload as indented JSON for people to read (escaped by the template like any other text)."""
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
