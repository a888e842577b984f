"""SLA pages: the SLAs of the user's entities with their last checks, proposing new terms, reviewing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError
from apps.common.http import client_ip
from apps.governance.views import version_decision_post, version_review_rights

from .forms import SlaProposalForm
from .models import SlaDefinition, SlaVersion
from .selectors import sla_definitions, sla_version_get, sla_versions_awaiting_review, versions_in_effect
from .services import sla_approve, sla_propose, sla_reject, sla_withdraw


def sla_list(request):
    definitions = list(sla_definitions(user=request.user))
    in_effect = versions_in_effect()
    for d in definitions:
        d.current = in_effect.get(d.pk)
        d.open_proposals = [v for v in d.versions.all() if v.status == "proposed"]
    return render(request, "sla/list.html", {
        "definitions": definitions, "awaiting": sla_versions_awaiting_review(user=request.user),
        "can_configure": can(request.user, Capability.CONFIGURE)})


def sla_propose_view(request):
    entities = list(visible_entities(request.user).order_by("code"))
    if request.method == "POST":
        form = SlaProposalForm(request.POST, entities=entities)
        if form.is_valid():
            try:
                version = sla_propose(flow=form.cleaned_data["flow"],
                                      legal_entity=form.entities[form.cleaned_data["legal_entity"]],
                                      terms=form.terms(), change_note=form.cleaned_data["change_note"],
                                      effective_from=form.cleaned_data["effective_from"], actor=request.user,
                                      ip_address=client_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{version} proposed. Someone else with the right to configure SLAs "
                                          "must approve it before it runs.")
                return redirect("sla:version", pk=version.pk)
    else:
        entity = request.GET.get("entity", "")
        initial = {"flow": request.GET.get("flow"), "legal_entity": int(entity) if entity.isdigit() else None}
        current = SlaDefinition.objects.filter(flow=initial["flow"], legal_entity_id=initial["legal_entity"],
                                               legal_entity_id__in=[e.pk for e in entities]).first()
        version = versions_in_effect().get(current.pk) if current else None
        if version is not None:
            initial.update(SlaProposalForm.initial_from(version))
        form = SlaProposalForm(initial=initial, entities=entities)
    return render(request, "sla/propose.html", {"form": form, "can_configure": can(request.user, Capability.CONFIGURE)})


def sla_version(request, pk: int):
    try:
        version = sla_version_get(user=request.user, pk=pk)
    except SlaVersion.DoesNotExist as exc:
        raise Http404("No such SLA version") from exc
    if request.method == "POST":
        return version_decision_post(request, version=version, back="sla:version", decisions={
            "withdraw": sla_withdraw, "approve": sla_approve, "reject": sla_reject})
    current = versions_in_effect().get(version.definition_id)
    return render(request, "sla/version.html", {
        "version": version, "current": current if current and current.pk != version.pk else None,
        **version_review_rights(request.user, version),
        "history": version.definition.versions.select_related("proposed_by", "reviewed_by")})
