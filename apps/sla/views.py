"""SLA pages: the SLAs of the user's entities with their last checks, proposing new terms, reviewing."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError

from .forms import ReviewForm, SlaProposalForm
from .models import SlaDefinition, SlaVersion
from .selectors import sla_definitions, sla_version_get, sla_versions_awaiting_review, versions_in_effect
from .services import sla_approve, sla_propose, sla_reject, sla_withdraw


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


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
                                      ip_address=_ip(request))
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
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "withdraw":
                sla_withdraw(version=version, actor=request.user, ip_address=_ip(request))
                messages.success(request, f"{version} is a draft again; propose a corrected version.")
            elif form.is_valid() and form.cleaned_data["decision"] == "approve":
                sla_approve(version=version, actor=request.user, note=form.cleaned_data["note"],
                            ip_address=_ip(request))
                messages.success(request, f"{version} approved: it runs from "
                                          f"{SlaVersion.objects.get(pk=pk).effective_from:%Y-%m-%d %H:%M} UTC.")
            elif form.is_valid():
                sla_reject(version=version, actor=request.user, note=form.cleaned_data["note"],
                           ip_address=_ip(request))
                messages.success(request, f"{version} rejected.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("sla:version", pk=pk)
    current = versions_in_effect().get(version.definition_id)
    return render(request, "sla/version.html", {
        "version": version, "current": current if current and current.pk != version.pk else None,
        "can_review": can(request.user, Capability.CONFIGURE) and version.status == "proposed"
        and version.proposed_by_id != request.user.pk,
        "can_withdraw": version.status == "proposed" and version.proposed_by_id == request.user.pk,
        "form": form, "history": version.definition.versions.select_related("proposed_by", "reviewed_by")})
