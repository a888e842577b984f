"""The exception workbench pages: thin views over the shared FilterSet, the scoped selectors and the
action table (apps/workbench/actions.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.access.selectors import can
from apps.common.errors import DomainError, PermissionDenied
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_get, exception_queryset

from .actions import ACTIONS, BULK_ACTIONS, action_form, action_run
from .bulk import bulk_form, bulk_start
from .forms import ReplayForm, ReviewForm
from .models import PayloadEdit
from .selectors import assignable_users, case_detail, pending_edit_get
from .services import case_replay, payload_edit_approve, payload_edit_reject
from .templatetags.workbench_tags import pretty_json

PAGE_SIZE = 50


def _client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _case(request, pk: int) -> ExceptionCase:
    try:
        return exception_get(user=request.user, pk=pk)
    except ExceptionCase.DoesNotExist as exc:
        raise Http404("No such exception") from exc


def list_filterset(request) -> ExceptionFilterSet:
    """The list's filters from the URL (open cases unless a status is chosen), over the user's scope. The live
    row partial uses the same function, so a row appears live exactly where a reload would show it."""
    params = request.GET.copy()
    if "status" not in params:
        params.setlist("status", list(OPEN_STATUSES))
    base = exception_queryset(user=request.user).select_related("legal_entity", "source_system", "owner")
    return ExceptionFilterSet(params, queryset=base)


def list_queryset(request):
    return list_filterset(request).qs


def exception_list(request):
    """Exceptions of the user's entities, filtered by the URL (so a view can be bookmarked or shared)."""
    filterset = list_filterset(request)
    params = filterset.data
    page = Paginator(filterset.qs.order_by("-last_seen", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = params.copy()
    query.pop("page", None)
    bulk = {name: bulk_form(action) for name, action in BULK_ACTIONS.items() if can(request.user, action.capability)}
    return render(request, "workbench/list.html", {"filter": filterset, "page": page, "query": query.urlencode(),
                                                   "bulk_forms": bulk})


def exception_detail(request, pk: int):
    case = _case(request, pk)
    record = case.sync_record
    forms = {name: action_form(action, users=assignable_users(case=case) if name == "assign" else None)
             for name, action in ACTIONS.items() if can(request.user, action.capability)}
    if "edit" in forms and record is not None:
        forms["edit"].initial["payload"] = pretty_json(record.effective_payload)
    return render(request, "workbench/detail.html", {
        "case": case, "record": record, "detail": case_detail(user=request.user, case=case), "forms": forms})


def _done(request, case: ExceptionCase, message: str):
    """Success: the message survives a full reload of the detail page, which shows the new state."""
    messages.success(request, message)
    url = reverse("workbench:detail", args=[case.pk])
    if _is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return redirect(url)


def _refused(request, case: ExceptionCase, message: str, *, forbidden: bool = False):
    """Refusal: htmx swaps the message in beside the form, keeping what the person typed. A plain POST
    that the role or scope forbids answers 403; any other refusal returns to the page with the message."""
    if _is_htmx(request) or forbidden:
        return render(request, "workbench/_notice.html", {"level": "error", "message": message},
                      status=403 if forbidden and not _is_htmx(request) else 200)
    messages.error(request, message)
    return redirect("workbench:detail", pk=case.pk)


def _form_errors(form) -> str:
    return " ".join(f"{form.fields[f].label or f if f in form.fields else ''}: {' '.join(e)}".lstrip(": ")
                    for f, e in form.errors.items())


@require_POST
def case_action(request, pk: int, name: str):
    action = ACTIONS.get(name)
    if action is None:
        raise Http404("No such action")
    case = _case(request, pk)
    form = action_form(action, request.POST, users=assignable_users(case=case))
    if not form.is_valid():
        return _refused(request, case, _form_errors(form))
    try:
        message = action_run(action, case=case, data=form.cleaned_data, actor=request.user,
                             ip_address=_client_ip(request))
    except DomainError as exc:
        return _refused(request, case, exc.message, forbidden=isinstance(exc, PermissionDenied))
    return _done(request, case, message)


@require_POST
def replay_preview(request, pk: int):
    """The dry run: what a replay would do with the chosen mapping version, without doing it."""
    case = _case(request, pk)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        return render(request, "workbench/_notice.html", {"level": "error", "message": _form_errors(form)})
    try:
        plan = case_replay(case=case, actor=request.user, version_choice=form.cleaned_data["version_choice"],
                           dry_run=True)
    except DomainError as exc:
        return render(request, "workbench/_notice.html", {"level": "error", "message": exc.message})
    return render(request, "workbench/_notice.html",
                  {"level": "info", "message": f"Dry run: a replay would {plan.would}. Nothing was changed."})


@require_POST
def edit_review(request, pk: int, edit_pk: int):
    """Approve (and replay) or reject someone else's payload edit."""
    case = _case(request, pk)
    try:
        edit = pending_edit_get(user=request.user, pk=edit_pk)
    except PayloadEdit.DoesNotExist as exc:
        raise Http404("No such edit") from exc
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, _form_errors(form))
    try:
        if form.cleaned_data["decision"] == "approve":
            plan = payload_edit_approve(edit=edit, actor=request.user, note=form.cleaned_data["note"],
                                        ip_address=_client_ip(request))
            message = f"Edit {edit.number} approved; the record replays now and will {plan.would}."
        else:
            payload_edit_reject(edit=edit, actor=request.user, note=form.cleaned_data["note"],
                                ip_address=_client_ip(request))
            message = f"Edit {edit.number} rejected; the proposer sees your note."
    except DomainError as exc:
        return _refused(request, case, exc.message, forbidden=isinstance(exc, PermissionDenied))
    return _done(request, case, message)


@require_POST
def bulk_action(request):
    """Start a bulk action over the ticked rows or over everything matching the filter; follow it on the job
    page (progress bar, then a summary of what was done and what was skipped, by reason)."""
    query = request.POST.get("query", "")
    everything = request.POST.get("scope") == "filter"
    try:
        ids = None if everything else [int(i) for i in request.POST.getlist("ids")]
        job = bulk_start(actor=request.user, action_name=request.POST.get("action", ""), data=request.POST,
                         ids=ids, query=query, ip_address=_client_ip(request))
    except ValueError:
        messages.error(request, "The selection is not valid; tick the rows again.")
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        return redirect("jobs:detail", pk=job.pk)
    return redirect(reverse("workbench:list") + (f"?{query}" if query else ""))
