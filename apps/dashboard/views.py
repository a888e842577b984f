from django.shortcuts import render

from .charts import cash_history_figure, open_exceptions_figure
from .selectors import home_summaries


def home(request):
    """Landing page after login: where each of the user's legal entities stands."""
    return render(request, "dashboard/home.html", {"summaries": home_summaries(user=request.user)})


def dashboards(request):
    """Cash and exception charts for the user's legal entities (figures built server-side)."""
    return render(request, "dashboard/index.html", {
        "cash_figure": cash_history_figure(user=request.user),
        "exceptions_figure": open_exceptions_figure(user=request.user),
    })
