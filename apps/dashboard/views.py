from django.shortcuts import render

from .selectors import home_summaries


def home(request):
    """Landing page after login: where each of the user's legal entities stands."""
    return render(request, "dashboard/home.html", {"summaries": home_summaries(user=request.user)})
