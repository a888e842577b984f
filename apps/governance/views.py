"""The maker-checker POST of a governed version's page, shared by the SLA, control-settings and mapping pages.

It is not routed itself: each owning app's version view passes the decisions its page offers (each a service
that checks scope, capability and segregation of duties) and where to go back to. The buttons come from
templates/governance/_review.html.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import redirect

from apps.access.selectors import can
from apps.common.errors import DomainError
from apps.common.http import client_ip

from .choices import VersionStatus
from .models import GovernedVersion
from .services import version_author_ids

# What the person reads after each decision, about the version the service returned.
DONE = {
    "propose": lambda v: f"{v} proposed: someone else must approve it before it runs.",
    "withdraw": lambda v: f"{v} is a draft again; propose a corrected version.",
    "approve": lambda v: f"{v} approved: it runs from {v.effective_from:%Y-%m-%d %H:%M} UTC.",
    "reject": lambda v: f"{v} rejected.",
}
# Decisions whose service takes no note (withdrawing says nothing to a reviewer).
WITHOUT_NOTE = {"withdraw"}


def version_review_rights(user, version: GovernedVersion) -> dict[str, bool]:
    """What templates/governance/_review.html offers this user: review a proposal made by someone else with the
    approving capability, or withdraw one's own proposal."""
    proposed = version.status == VersionStatus.PROPOSED
    own = version.proposed_by_id == user.pk
    made = own or (proposed and user.pk in version_author_ids(version))  # drafted or edited it: a maker too
    return {"can_review": proposed and not made and can(user, type(version).approve_capability),
            "can_withdraw": proposed and own}


def version_decision_post(request, *, version: GovernedVersion,
                          decisions: Mapping[str, Callable[..., GovernedVersion]],
                          back: str) -> HttpResponseRedirect:
    """Run the posted `decision` (one of `decisions`, e.g. {"approve": sla_approve}) on `version` as the
    request's user, say what happened or why it was refused, and redirect to the version's page (URL name `back`)."""
    decision = request.POST.get("decision", "")
    service = decisions.get(decision)
    if service is None:
        names = list(decisions)
        messages.error(request, f"Choose {', '.join(names[:-1])} or {names[-1]}.")
        return redirect(back, pk=version.pk)
    kwargs = {"version": version, "actor": request.user, "ip_address": client_ip(request)}
    if decision not in WITHOUT_NOTE:
        kwargs["note"] = request.POST.get("note", "")
    try:
        done = service(**kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, DONE[decision](done))
    return redirect(back, pk=version.pk)
