"""Template helpers of the workbench pages."""

import json

from django import template
from django.http import QueryDict
from django.utils.html import format_html, format_html_join

register = template.Library()


@register.filter
def pretty_json(value) -> str:
    """A payload as indented JSON for people to read (escaped by the template like any other text)."""
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)


@register.filter
def without(query: str, key: str) -> str:
    """The query string without one parameter (e.g. to drop one filter from the current view)."""
    params = QueryDict(query, mutable=True)
    params.pop(key, None)
    return params.urlencode()


@register.simple_tag
def dimension_select(name: str, label: str, options, current) -> str:
    """A labelled <select> for one dimension filter, with "All" and the current value selected."""
    current = "" if current in (None, "") else str(current)
    rendered = format_html_join("", '<option value="{}"{}>{}</option>',
                                ((pk, " selected" if str(pk) == current else "", text) for pk, text in options))
    return format_html('<label>{} <select name="{}"><option value="">All</option>{}</select></label>',
                       label, name, rendered)
