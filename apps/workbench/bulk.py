"""Bulk actions: the same action over a selection or over everything matching the list's filter, run as a
background job (apps/jobs) that acts as the person who started it, case by case, through the same services
as the detail page. What could not be done is counted by reason, never dropped silently."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.http import QueryDict

from apps.access.selectors import can
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.selectors import exception_queryset
from apps.jobs.services import job_start

from .actions import BULK_ACTIONS, Action, action_form, action_run
from .forms import BulkReplayForm
from .selectors import resolvers
from .services import case_replay

JOB_KIND = "workbench.bulk_action"
MAX_CASES = 50_000  # one job; more than this is a filter that is too wide to act on blindly
CHUNK = 200
IGNORED_QUERY_KEYS = {"page", "after", "sort", "group"}


def filter_queryset(*, user, query: str):
    """The list page's filters (its query string) over the user's scope: open cases unless a status is set."""
    params = QueryDict(query, mutable=True)
    for key in IGNORED_QUERY_KEYS:
        params.pop(key, None)
    if "status" not in params:
        params.setlist("status", list(OPEN_STATUSES))
    filterset = ExceptionFilterSet(params, queryset=exception_queryset(user=user))
    if not filterset.is_valid():
        raise DomainError("The filter is not valid: " + "; ".join(
            f"{k}: {' '.join(v)}" for k, v in filterset.errors.items()), code="invalid_filter")
    return filterset.qs


def bulk_target_ids(*, user, ids: Iterable[int] | None, query: str) -> list[int]:
    """The cases a bulk action covers: the selected ids within the user's scope, or everything matching the
    filter. Ids outside the scope are simply not there (as on every page: 404, not 403)."""
    queryset = (exception_queryset(user=user).filter(pk__in=list(ids)) if ids is not None
                else filter_queryset(user=user, query=query))
    found = list(queryset.order_by("id").values_list("id", flat=True)[:MAX_CASES + 1])
    if len(found) > MAX_CASES:
        raise DomainError(f"More than {MAX_CASES:,} exceptions match; narrow the filter first.", code="too_many")
    return found


def bulk_form(action: Action, data=None):
    if action.name == "replay":
        return BulkReplayForm(data)
    return action_form(action, data, users=resolvers())


def bulk_forms_for(*, user, resolver_choices: list[tuple[int, str]]) -> dict:
    """The list page's empty bulk forms for the actions the user may run. The assign form lists
    `resolver_choices` (selectors.list_options, cached) instead of querying the users on every page; a
    submitted form is still validated against the live query (bulk_start)."""
    forms = {name: bulk_form(action) for name, action in BULK_ACTIONS.items() if can(user, action.capability)}
    if "assign" in forms:
        owner = forms["assign"].fields["owner"]
        owner.widget.choices = [("", owner.empty_label), *resolver_choices]
    return forms


def _bulk_action(name: str) -> Action:
    action = BULK_ACTIONS.get(name)
    if action is None:
        raise DomainError("Choose an action to apply.", code="invalid_action")
    return action


def bulk_start(*, actor, action_name: str, data: dict, ids: list[int] | None, query: str,
               ip_address: str | None = None):
    """Check what can be checked up front (action, role, input, target count) and start the job."""
    action = _bulk_action(action_name)
    if not can(actor, action.capability):
        raise PermissionDenied(f"Your role does not allow '{action.label.lower()}'.", code="forbidden")
    form = bulk_form(action, data)
    if not form.is_valid():
        raise DomainError(" ".join(f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}"
                                   for f, e in form.errors.items()), code="invalid_input")
    if ids is not None and not ids:
        raise DomainError("Select at least one exception, or choose everything matching the filter.",
                          code="nothing_selected")
    targets = bulk_target_ids(user=actor, ids=ids, query=query)
    if not targets:
        raise DomainError("No exception matches; nothing to do.", code="nothing_selected")
    fields = {name: data.get(name, "") for name in form.fields}
    how = f"{len(targets):,} selected" if ids is not None else f"all {len(targets):,} matching the filter"
    label = f"{'Dry run: replay' if form.cleaned_data.get('dry_run') else action.label} — {how} exception" \
            f"{'s' if len(targets) != 1 else ''}"
    return job_start(kind=JOB_KIND, label=label, actor=actor, total=len(targets), unit="exceptions",
                     ip_address=ip_address,
                     params={"action": action.name, "data": fields, "ids": targets, "query": query,
                             "ip_address": ip_address})


def bulk_run(job, report) -> dict:
    """The job's body: re-check the input as the starter, then act case by case, counting every outcome."""
    actor = job.created_by
    if actor is None or not actor.is_active:
        raise DomainError("The person who started this job can no longer act.", code="actor_gone")
    action = _bulk_action(job.params["action"])
    form = bulk_form(action, job.params["data"])
    if not form.is_valid():
        raise DomainError("The action's input is no longer valid (for example, the owner left).",
                          code="invalid_input")
    data, dry_run = form.cleaned_data, form.cleaned_data.get("dry_run", False)
    ids = job.params["ids"]
    done, skipped, would = 0, Counter(), Counter()
    for start in range(0, len(ids), CHUNK):
        # The scope is re-read per chunk, as the starter's access may have changed since.
        for case in exception_queryset(user=actor).filter(pk__in=ids[start:start + CHUNK]).select_related(
                "sync_record", "legal_entity").order_by("id"):
            try:
                if dry_run:
                    would[case_replay(case=case, actor=actor, version_choice=data["version_choice"],
                                      dry_run=True).would] += 1
                else:
                    action_run(action, case=case, data=data, actor=actor,
                               ip_address=job.params.get("ip_address"))
                done += 1
            except DomainError as exc:
                skipped[exc.message] += 1
        report.progress(min(start + CHUNK, len(ids)), len(ids))
    gone = len(ids) - done - sum(skipped.values())
    if gone:
        skipped["No longer visible to you (scope changed) or deleted."] += gone
    return _summary(action, job, done=done, skipped=skipped, would=would, dry_run=dry_run)


def _summary(action: Action, job, *, done: int, skipped: Counter, would: Counter, dry_run: bool) -> dict:
    notes = [f"{count:,} would {what}" for what, count in would.most_common()]
    notes += [f"{count:,} skipped: {reason}" for reason, count in skipped.most_common()]
    back = "/workbench/" + (f"?{job.params['query']}" if job.params.get("query") else "")
    key = "previewed" if dry_run else {"resolve": "resolved", "ignore": "ignored", "assign": "assigned",
                                       "claim": "claimed", "replay": "replayed"}.get(action.name, "done")
    return {key: done, "skipped": sum(skipped.values()), "notes": notes,
            "links": [{"label": "Back to the workbench", "url": back}]}
