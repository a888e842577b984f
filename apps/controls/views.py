"""Control pages: the control settings in effect per entity, proposing new settings, reviewing them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError
from apps.governance.choices import VersionStatus

from .forms import ControlSettingsForm, ReviewForm
from .models import ControlSettingsVersion
from .selectors import (
    control_settings_awaiting_review,
    control_settings_by_entity,
    control_settings_for,
    control_settings_version_get,
    control_settings_versions,
)
from .services import (
    control_settings_approve,
    control_settings_propose,
    control_settings_reject,
    control_settings_withdraw,
)


def _ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR")


def controls_index(request):
    entities = list(visible_entities(request.user).order_by("code"))
    in_effect = control_settings_by_entity([None] + [e.pk for e in entities])
    scopes = [{"entity": e, "settings": in_effect[e.pk if e else None]} for e in [None, *entities]]
    proposals = control_settings_versions(user=request.user).filter(status=VersionStatus.PROPOSED)
    return render(request, "controls/index.html", {
        "scopes": scopes, "awaiting": control_settings_awaiting_review(user=request.user),
        "proposals": proposals, "can_configure": can(request.user, Capability.CONFIGURE)})


def control_settings_propose_view(request):
    entities = list(visible_entities(request.user).order_by("code"))
    if request.method == "POST":
        form = ControlSettingsForm(request.POST, entities=entities)
        if form.is_valid():
            try:
                version = control_settings_propose(
                    legal_entity=form.entity(), terms=form.terms(), change_note=form.cleaned_data["change_note"],
                    effective_from=form.cleaned_data["effective_from"], actor=request.user, ip_address=_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{version} proposed. Someone else who may configure controls must "
                                          "approve it before it runs.")
                return redirect("controls:settings_version", pk=version.pk)
    else:
        scope = request.GET.get("entity", "")
        entity = next((e for e in entities if str(e.pk) == scope), None)
        initial = ControlSettingsForm.initial_from(control_settings_for(entity))
        initial["legal_entity"] = str(entity.pk) if entity else ""
        form = ControlSettingsForm(initial=initial, entities=entities)
    return render(request, "controls/propose.html", {
        "form": form, "can_configure": can(request.user, Capability.CONFIGURE)})


def control_settings_version(request, pk: int):
    try:
        version = control_settings_version_get(user=request.user, pk=pk)
    except ControlSettingsVersion.DoesNotExist as exc:
        raise Http404("No such control settings version") from exc
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        try:
            if request.POST.get("decision") == "withdraw":
                control_settings_withdraw(version=version, actor=request.user, ip_address=_ip(request))
                messages.success(request, f"{version} is a draft again; propose a corrected version.")
            elif form.is_valid() and form.cleaned_data["decision"] == "approve":
                approved = control_settings_approve(version=version, actor=request.user,
                                                    note=form.cleaned_data["note"], ip_address=_ip(request))
                messages.success(request, f"{version} approved: it runs from "
                                          f"{approved.effective_from:%Y-%m-%d %H:%M} UTC.")
            elif form.is_valid():
                control_settings_reject(version=version, actor=request.user, note=form.cleaned_data["note"],
                                        ip_address=_ip(request))
                messages.success(request, f"{version} rejected.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("controls:settings_version", pk=pk)
    current = control_settings_for(version.legal_entity)
    siblings = control_settings_versions(user=request.user).filter(legal_entity=version.legal_entity)
    return render(request, "controls/version.html", {
        "version": version, "current": current,
        "can_review": can(request.user, Capability.CONFIGURE) and version.status == VersionStatus.PROPOSED
        and version.proposed_by_id != request.user.pk,
        "can_withdraw": version.status == VersionStatus.PROPOSED and version.proposed_by_id == request.user.pk,
        "form": form, "history": siblings.order_by("-number")})
