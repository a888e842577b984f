"""The exception workbench pages: thin views over the shared FilterSet and the scoped selectors."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.models import ExceptionCase
from apps.exceptions.selectors import exception_get, exception_queryset

PAGE_SIZE = 50


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
    return render(request, "workbench/list.html", {"filter": filterset, "page": page, "query": query.urlencode()})


def exception_detail(request, pk: int):
    try:
        case = exception_get(user=request.user, pk=pk)
    except ExceptionCase.DoesNotExist as exc:
        raise Http404("No such exception") from exc
    attempts = case.sync_record.attempts.select_related("mapping_version") if case.sync_record_id else []
    return render(request, "workbench/detail.html", {"case": case, "attempts": attempts})
