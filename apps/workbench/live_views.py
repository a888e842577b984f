"""The row partial live updates fetch: one exception rendered exactly as the list renders it, through the same
scope and the same filters as the list page the browser has open."""

from django.http import Http404, HttpResponse
from django.shortcuts import render

from apps.exceptions.selectors import exception_queryset

from .views import list_queryset


def exception_row(request, pk: int):
    """200 with the row when the case matches the page's filters (the query string), 204 when it is visible
    but does not belong on that page (the page removes it if shown), 404 outside the user's scope."""
    case = list_queryset(request).filter(pk=pk).first()
    if case is not None:
        return render(request, "workbench/_row.html", {"cases": [case]})
    if exception_queryset(user=request.user).filter(pk=pk).exists():
        return HttpResponse(status=204)
    raise Http404("No such exception")
