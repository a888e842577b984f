"""Exception kinds in words: `{{ kind|kind_label }}` gives "Journal does not balance" for "journal.unbalanced"."""

from django import template

from apps.exceptions.choices import KINDS

register = template.Library()


@register.filter
def kind_label(code: str) -> str:
    kind = KINDS.get(code)
    return kind.label if kind is not None else code
