"""Mapping pages: the list with versions in effect and awaiting review, a version with its diff and the
maker-checker buttons, the editor with a live preview, and import/export as JSON and CSV."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.common.errors import DomainError
from apps.common.http import client_ip
from apps.governance import services as governance
from apps.governance.views import version_decision_post, version_review_rights
from apps.masterdata.models import SourceSystem
from apps.sync.preview import mapping_preview, mapping_samples

from .diff import spec_diff
from .forms import ImportForm, MappingDraftForm
from .models import Mapping, MappingVersion
from .selectors import (
    mapping_overview,
    mapping_version_get,
    mapping_version_previous,
    mapping_versions_awaiting_review,
)
from .services import (
    mapping_draft_create,
    mapping_draft_update,
    mapping_import_crosswalks,
    mapping_import_json,
    mapping_version_in_effect,
)
from .transfer import crosswalks_to_csv, version_to_json


def _version_or_404(pk: int) -> MappingVersion:
    try:
        return mapping_version_get(pk=pk)
    except MappingVersion.DoesNotExist as exc:
        raise Http404("No such mapping version") from exc


def mapping_list(request):
    system = request.GET.get("system", "")
    can_edit = can(request.user, Capability.APPROVE_MAPPINGS)
    return render(request, "mappings/list.html", {
        "mappings": mapping_overview(source_system=system), "system": system,
        "systems": SourceSystem.objects.filter(mappings__isnull=False).distinct().order_by("code"),
        "awaiting": mapping_versions_awaiting_review(user=request.user) if can_edit else [],
        "can_edit": can_edit})


def mapping_version_detail(request, pk: int):
    version = _version_or_404(pk)
    if request.method == "POST":
        return version_decision_post(request, version=version, back="mappings:version", decisions={
            "propose": governance.version_propose, "withdraw": governance.version_withdraw,
            "approve": governance.version_approve, "reject": governance.version_reject})
    against_number = request.GET.get("against", "")
    against = (version.mapping.versions.filter(number=int(against_number)).first() if against_number.isdigit()
               else mapping_version_previous(version))
    current = mapping_version_in_effect(source_system=version.mapping.source_system,
                                        object_type=version.mapping.object_type)
    may_approve = can(request.user, Capability.APPROVE_MAPPINGS)
    return render(request, "mappings/version.html", {
        "version": version, "against": against, "current": current,
        "changes": spec_diff(against.spec if against else None, version.spec),
        "history": version.mapping.versions.select_related("proposed_by", "reviewed_by"),
        "can_propose": may_approve and version.status == "draft",
        "can_edit": may_approve and version.status == "draft",
        **version_review_rights(request.user, version),
        "can_branch": may_approve,
        "spec_json": json.dumps(version.spec, indent=2, ensure_ascii=False)})


def mapping_editor(request, mapping_pk: int, version_pk: int | None = None):
    """A new draft (based on ?from=<version id> or the version in effect) or the edit of a draft."""
    mapping = get_object_or_404(Mapping.objects.select_related("source_system"), pk=mapping_pk)
    draft = _version_or_404(version_pk) if version_pk else None
    if draft is not None and draft.mapping_id != mapping.pk:
        raise Http404("No such mapping version")
    can_edit = can(request.user, Capability.APPROVE_MAPPINGS)
    if request.method == "POST" and can_edit:
        form = MappingDraftForm(request.POST, mapping=mapping)
        if form.is_valid():
            try:
                version = _save(request, form, mapping, draft)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect("mappings:version", pk=version.pk)
    else:
        base = draft or (_version_or_404(int(request.GET["from"])) if request.GET.get("from", "").isdigit()
                         else mapping_version_in_effect(source_system=mapping.source_system,
                                                        object_type=mapping.object_type) or mapping.versions.first())
        form = MappingDraftForm(initial=MappingDraftForm.initial_from(base), mapping=mapping)
    return render(request, "mappings/editor.html", {
        "mapping": mapping, "draft": draft, "form": form, "can_edit": can_edit,
        "samples": mapping_samples(user=request.user, mapping=mapping)[:15]})


def _save(request, form: MappingDraftForm, mapping: Mapping, draft: MappingVersion | None) -> MappingVersion:
    data = form.cleaned_data
    fields = {"spec": data["spec"], "schema_version": data["schema_version"],
              "effective_from": data["effective_from"], "change_note": data["change_note"],
              "actor": request.user, "ip_address": client_ip(request)}
    version = (mapping_draft_update(version=draft, **fields) if draft
               else mapping_draft_create(mapping=mapping, **fields))
    if request.POST.get("then") == "propose":
        version = governance.version_propose(version=version, actor=request.user, note=data["change_note"],
                                             ip_address=client_ip(request))
        messages.success(request, f"{version} proposed: someone else must approve it before it runs.")
    else:
        messages.success(request, f"{version} saved as a draft.")
    return version


@require_POST
def mapping_preview_partial(request, mapping_pk: int):
    """htmx: the canonical result and errors for the editor's current rules and sample payload."""
    mapping = get_object_or_404(Mapping.objects.select_related("source_system"), pk=mapping_pk)
    form = MappingDraftForm(request.POST, mapping=mapping)
    context = {"form_errors": None, "preview": None, "payload_error": None}
    try:
        payload = json.loads(request.POST.get("payload") or "")
    except ValueError as exc:
        context["payload_error"] = f"The sample is not valid JSON: {exc}"
        payload = None
    if not form.is_valid():
        context["form_errors"] = [f"{form.fields[k].label if k in form.fields else 'Form'}: {m}"
                                  for k, msgs in form.errors.items() for m in msgs]
    elif payload is not None:
        unsaved = MappingVersion(mapping=mapping, spec=form.cleaned_data["spec"],
                                 schema_version=form.cleaned_data["schema_version"])
        preview = mapping_preview(version=unsaved, payload=payload)
        context["preview"] = preview
        context["canonical_json"] = json.dumps(preview.canonical, indent=2, ensure_ascii=False)
    return render(request, "mappings/_preview.html", context)


def mapping_sample_partial(request, mapping_pk: int):
    """htmx: a recent record's payload (scoped to the user's entities) into the sample box."""
    mapping = get_object_or_404(Mapping, pk=mapping_pk)
    record_id = request.GET.get("record", "")
    payload = ""
    if record_id.isdigit():
        record = get_object_or_404(mapping_samples(user=request.user, mapping=mapping), pk=int(record_id))
        payload = json.dumps(record.effective_payload, indent=2, ensure_ascii=False)
    return render(request, "mappings/_sample.html", {"payload": payload})


def mapping_version_export(request, pk: int, fmt: str):
    version = _version_or_404(pk)
    name = f"{version.mapping.source_system.code}-{version.mapping.object_type}-v{version.number}"
    if fmt == "csv":
        response = HttpResponse(crosswalks_to_csv(version.spec), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}-crosswalks.csv"'
        return response
    response = JsonResponse(version_to_json(version), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{name}.json"'
    return response


@require_POST
def mapping_import(request, mapping_pk: int):
    mapping = get_object_or_404(Mapping.objects.select_related("source_system"), pk=mapping_pk)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a .json version file or a .csv crosswalk file to import.")
        return redirect("mappings:list")
    upload = form.cleaned_data["file"]
    try:
        text = upload.read().decode("utf-8-sig")
        if upload.name.lower().endswith(".csv"):
            version = mapping_import_crosswalks(mapping=mapping, csv_text=text, actor=request.user,
                                                ip_address=client_ip(request))
        else:
            version = mapping_import_json(mapping=mapping, content=text, actor=request.user,
                                          ip_address=client_ip(request))
    except UnicodeDecodeError:
        messages.error(request, "The file is not UTF-8 text.")
        return redirect("mappings:list")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("mappings:list")
    messages.success(request, f"{version} imported as a draft: check the diff, then propose it.")
    return redirect("mappings:version", pk=version.pk)
