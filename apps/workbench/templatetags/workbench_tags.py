"""Template helpers of the workbench pages."""

import json

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import QueryDict
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from apps.exceptions.choices import BADGE_COLOURS

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


_ROW_URL_SLOT = 987654321


def _when(value) -> str:
    if value is None:
        return "—"
    # The date filter's "c", "Y-m-d H:i" and "j M H:i" without its per-character format parser.
    local = localtime(value)
    return format_html('<time datetime="{}" title="{}">{} {} {}</time>', local.isoformat(),
                       f"{local:%Y-%m-%d %H:%M}", local.day, str(MONTHS_3[local.month]).title(), f"{local:%H:%M}")


@register.simple_tag(takes_context=True)
def exception_rows(context, cases) -> str:
    """The list's rows (workbench/_row.html renders one with this too, for live updates), built in Python: at
    50 rows an included template cost ~2 ms a row in variable lookups and filters, this ~0.1 ms."""
    can_act = context.get("finsync_can") or {}
    select = can_act.get("resolve") or can_act.get("replay")
    url = reverse("workbench:detail", args=[_ROW_URL_SLOT])
    rows = []
    for case in cases:
        detail_url = url.replace(str(_ROW_URL_SLOT), str(case.pk))
        rows.append(format_html(
            '<tr id="exception-{pk}" data-exception-id="{pk}">\n{select}'
            '<td><a href="{url}">{pk}</a></td>\n'
            '<td class="wb-problem"><a href="{url}">{title}</a> <code class="wb-kind">{kind}</code>'
            '<div class="muted small">{message}</div></td>\n'
            '<td><span class="badge badge-{colour}">{severity}</span></td>\n'
            "<td>{status}</td>\n<td>{entity}</td>\n"
            "<td>{source}{reference}</td>\n"
            '<td class="num">{seen}</td>\n'
            '<td class="wb-when">{last_seen}</td>\n<td class="wb-when">{sla_due}</td>\n'
            "<td>{owner}</td>\n</tr>\n",
            pk=case.pk, url=detail_url, title=case.title, kind=case.kind,
            select=format_html('<td class="wb-select"><input type="checkbox" name="ids" value="{}" form="bulk-form" '
                               'aria-label="Select exception {}"></td>\n', case.pk, case.pk) if select else "",
            message=Truncator(case.message).chars(140),
            colour=BADGE_COLOURS.get(case.severity, "grey"),
            severity=case.get_severity_display(), status=case.get_status_display(),
            entity=case.legal_entity.code if case.legal_entity_id else "—",
            source=case.source_system.name if case.source_system_id else "—",
            reference=format_html('<div class="muted small wb-ref">{}</div>', case.reference)
            if case.reference else "",
            seen=intcomma(case.occurrence_count), last_seen=_when(case.last_seen), sla_due=_when(case.sla_due_at),
            owner=case.owner.username if case.owner_id else "—"))
    return mark_safe("".join(rows))  # noqa: S308 - every part above went through format_html (escaped)
