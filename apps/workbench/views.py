"""The exception workbench pages: thin views over the shared FilterSet, the scoped selectors and the
action table (apps/workbench/actions.py)."""

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseForbidden, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from apps.access.selectors import can
from apps.common.counting import bounded_count
from apps.common.errors import DomainError, PermissionDenied
from apps.common.http import client_ip
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_get, exception_queryset

from . import listing
from .actions import ACTIONS, action_form, action_run
from .bulk import bulk_forms_for, bulk_start
from .export import csv_stream, export_audit, xlsx_file
from .forms import ReplayForm, ReviewForm, SavedViewForm
from .listing import AGE_CHOICES, SORTS, facets, fingerprint_groups, list_page, sort_for
from .models import PayloadEdit
from .selectors import assignable_users, case_detail, list_options, pending_edit_get, saved_views_for
from .services import (
    case_replay,
    payload_edit_approve,
    payload_edit_reject,
    saved_view_create,
    saved_view_delete,
)
from .templatetags.workbench_tags import pretty_json


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


LIST_KEYS = {"page", "after", "sort", "group", "gpage", "partial"}  # paging and layout, not filters


def filters_query(request) -> str:
    """The filter part of the list's URL: what a saved view stores, an export and a bulk action apply."""
    params = request.GET.copy()
    for key in LIST_KEYS:
        params.pop(key, None)
    return params.urlencode()


def exception_list(request):
    """Exceptions of the user's entities, filtered by the URL (so a view can be bookmarked or shared), sorted,
    keyset-paged, or grouped by fingerprint. `partial=rows` returns only the rows (a group's members)."""
    filterset = list_filterset(request)
    sort_key, sort = sort_for(request.GET.get("sort"))
    query = filters_query(request)
    context = {"filter": filterset, "query": query, "sort_key": sort_key, "sorts": SORTS, "age_choices": AGE_CHOICES,
               "count": bounded_count(filterset.qs, listing.COUNT_CAP),
               "grouped": request.GET.get("group") == "fingerprint"}
    if context["grouped"]:
        gpage = int(request.GET["gpage"]) if request.GET.get("gpage", "").isdigit() else 1
        context["groups"], context["more_groups"] = fingerprint_groups(filterset.qs, page=gpage)
        context["gpage"] = gpage
    else:
        context["page"] = list_page(filterset.qs, sort=sort, cursor=request.GET.get("after"))
    if request.GET.get("partial") == "rows":
        return render(request, "workbench/_rows.html", context)
    options = list_options(user=request.user)
    context.update({"bulk_forms": bulk_forms_for(user=request.user, resolver_choices=options["resolvers"]),
                    "choices": options["choices"], "saved_views": saved_views_for(user=request.user),
                    "view_form": SavedViewForm()})
    return render(request, "workbench/list.html", context)


def exception_facets(request):
    """Facet counts of the current filter, loaded after the page (htmx) so the list itself stays fast."""
    return render(request, "workbench/_facets.html", {"facets": facets(list_filterset(request).qs),
                                                      "query": filters_query(request)})


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
                             ip_address=client_ip(request))
    except DomainError as exc:
        return _refused(request, case, exc.message, forbidden=isinstance(exc, PermissionDenied))
    return _done(request, case, message)


@require_POST
def replay_preview(request, pk: int):
    """The dry run: what a replay would do with the chosen mapping version, without doing it."""
    case = _case(request, pk)
    form = ReplayForm(request.POST)
    if not form.is_valid():
        return _refused(request, case, _form_errors(form))
    try:
        plan = case_replay(case=case, actor=request.user, version_choice=form.cleaned_data["version_choice"],
                           dry_run=True)
    except DomainError as exc:
        return _refused(request, case, exc.message, forbidden=isinstance(exc, PermissionDenied))
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
                                        ip_address=client_ip(request))
            message = f"Edit {edit.number} approved; the record replays now and will {plan.would}."
        else:
            payload_edit_reject(edit=edit, actor=request.user, note=form.cleaned_data["note"],
                                ip_address=client_ip(request))
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
                         ids=ids, query=query, ip_address=client_ip(request))
    except ValueError:
        messages.error(request, "The selection is not valid; tick the rows again.")
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.message)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        return redirect("jobs:detail", pk=job.pk)
    return redirect(reverse("workbench:list") + (f"?{query}" if query else ""))


def saved_views(request):
    """GET: my saved views and the shared ones (delete my own). POST: save the current filters under a name."""
    if request.method == "POST":
        form = SavedViewForm(request.POST)
        query = request.POST.get("query", "")
        if not form.is_valid():
            messages.error(request, _form_errors(form))
        else:
            try:
                view = saved_view_create(owner=request.user, ip_address=client_ip(request), **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Saved as “{view.name}”{' (shared)' if view.shared else ''}.")
        return redirect(reverse("workbench:list") + (f"?{query}" if query else ""))
    return render(request, "workbench/views.html", {"views": saved_views_for(user=request.user)})


@require_POST
def saved_view_remove(request, pk: int):
    view = saved_views_for(user=request.user).filter(pk=pk).first()
    if view is None:
        raise Http404("No such view")
    try:
        saved_view_delete(view=view, actor=request.user, ip_address=client_ip(request))
    except PermissionDenied as exc:
        return HttpResponseForbidden(exc.message)
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect("workbench:views")


EXPORT_TYPES = {"csv": "text/csv; charset=utf-8",
                "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def exception_export(request, fmt: str):
    """The current filtered view as CSV (streamed) or XLSX, scoped like the page; the export is audited."""
    if fmt not in EXPORT_TYPES:
        raise Http404("No such format")
    queryset = list_filterset(request).qs
    name = f"finsync-exceptions-{timezone.now():%Y%m%d-%H%M}.{fmt}"
    if fmt == "xlsx":
        try:
            handle = xlsx_file(queryset)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(reverse("workbench:list") + f"?{filters_query(request)}")
        response = FileResponse(handle, as_attachment=True, filename=name, content_type=EXPORT_TYPES[fmt])
    else:
        response = StreamingHttpResponse(csv_stream(queryset), content_type=EXPORT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
    export_audit(actor=request.user, fmt=fmt, query=filters_query(request), ip_address=client_ip(request))
    return response
