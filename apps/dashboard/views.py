"""Dashboards: the page paints at once with empty cards; each widget then fetches its figure (JSON with
the card's HTML and Plotly figures), scoped to the user's entities and the URL's filters."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone

from apps.sla.models import RollupState

from .filters import OutsideScope, filters_from
from .selectors import home_summaries
from .widgets import DASHBOARDS, WIDGETS


def home(request):
    """Landing page after login: where each of the user's legal entities stands."""
    return render(request, "dashboard/home.html", {"summaries": home_summaries(user=request.user)})


def dashboard(request, slug: str = "overview"):
    board = DASHBOARDS.get(slug)
    if board is None:
        raise Http404("No such dashboard")
    try:
        _, form = filters_from(request.GET, user=request.user)
    except OutsideScope as exc:
        raise Http404("No such legal entity") from exc
    return render(request, "dashboard/board.html", {
        "board": board, "boards": DASHBOARDS.values(), "form": form, "query": request.GET.urlencode(),
        "widgets": [WIDGETS[name] for name in board.widgets],
        "refreshed_at": RollupState.objects.filter(name="flow_daily").values_list("refreshed_at", flat=True).first(),
    })


def widget(request, name: str):
    """One widget's content as JSON: {"html": the card body, "figures": [Plotly figures]}."""
    spec = WIDGETS.get(name)
    if spec is None:
        raise Http404("No such widget")
    try:
        filters, form = filters_from(request.GET, user=request.user)
    except OutsideScope as exc:
        raise Http404("No such legal entity") from exc
    if filters is None:
        return JsonResponse({"errors": form.errors}, status=400)
    result = spec.build(user=request.user, filters=filters)
    html = render_to_string("dashboard/_widget.html", {"result": result, "widget": spec}, request=request)
    return JsonResponse({"html": html, "figures": [fig for _, fig in result.figures],
                         "generated_at": timezone.now().isoformat()})
