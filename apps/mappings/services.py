"""Which mapping version runs, mapping a payload with it, and writing drafts (create, edit, import).

Proposing, withdrawing, approving and rejecting are the governance services' (apps.governance.services):
they check the capability, segregation of duties and transitions, and audit each step.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.audit.services import audit_record
from apps.common.errors import DomainError, PermissionDenied
from apps.governance import services as governance
from apps.governance.choices import VersionStatus
from apps.governance.selectors import version_in_effect

from . import schemas
from .engine import MappingResult, compile_spec, spec_problems
from .models import Mapping, MappingVersion
from .transfer import crosswalks_from_csv, version_from_json


def mapping_version_in_effect(*, source_system, object_type: str, at=None) -> MappingVersion | None:
    """The approved version with the latest effective date that has started (None: nothing approved)."""
    return version_in_effect(MappingVersion.objects.select_related("mapping").filter(
        mapping__source_system=source_system, mapping__object_type=object_type), at=at)


_COMPILED: dict[tuple, Callable[[Any], MappingResult]] = {}
_COMPILED_MAX = 256


def _compiled(version: MappingVersion) -> Callable[[Any], MappingResult]:
    """The version's spec compiled once per process (engine.compile_spec). Only a saved, approved version is
    kept: governance never edits one (a change is a new version), and the key also holds `updated_at`, so a
    version saved again is compiled again. Drafts (the editor's preview) are compiled per call."""
    if version.pk is None or version.status != VersionStatus.APPROVED:
        return compile_spec(version.spec)
    key = (version.pk, version.updated_at)
    compiled = _COMPILED.get(key)
    if compiled is None:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        compiled = _COMPILED[key] = compile_spec(version.spec)
    return compiled


def mapping_apply(*, version: MappingVersion, payload) -> MappingResult:
    return _compiled(version)(payload)


def _check(mapping: Mapping, spec, schema_version: str, actor) -> None:
    if not can(actor, Capability.APPROVE_MAPPINGS):
        raise PermissionDenied("Your role does not allow changing mappings.")
    problems = spec_problems(spec)
    if not schemas.exists(mapping.canonical_type, schema_version) and schemas.available_versions(
            mapping.canonical_type):
        problems.append(f"there is no {mapping.canonical_type} schema {schema_version}")
    if problems:
        raise DomainError("The mapping cannot run: " + "; ".join(problems), code="invalid_spec",
                          extra={"problems": problems})


@transaction.atomic
def mapping_draft_create(*, mapping: Mapping, spec: dict, actor, schema_version: str = "v1",
                         effective_from: datetime | None = None, change_note: str = "",
                         ip_address: str | None = None, origin: str = "editor") -> MappingVersion:
    """A new draft version of `mapping` (numbered after the latest); it runs only once someone else approves."""
    _check(mapping, spec, schema_version, actor)
    # The mapping's row lock serialises numbering; the (mapping, number) constraint backs it.
    mapping = Mapping.objects.select_for_update().get(pk=mapping.pk)
    version = MappingVersion.objects.create(
        mapping=mapping, number=governance.version_number_next(MappingVersion, mapping), spec=spec,
        schema_version=schema_version, effective_from=effective_from, change_note=change_note.strip())
    audit_record(action="mappings.mappingversion.drafted", actor=actor, obj=version,
                 after={**version.content_snapshot(), "origin": origin}, ip_address=ip_address)
    return version


@transaction.atomic
def mapping_draft_update(*, version: MappingVersion, spec: dict, actor, schema_version: str,
                         effective_from: datetime | None, change_note: str,
                         ip_address: str | None = None) -> MappingVersion:
    """Change a draft (proposed, approved and rejected versions never change)."""
    version = MappingVersion.objects.select_for_update().select_related("mapping").get(pk=version.pk)
    governance.version_ensure_editable(version)
    _check(version.mapping, spec, schema_version, actor)
    before = version.content_snapshot()
    version.spec, version.schema_version = spec, schema_version
    version.effective_from, version.change_note = effective_from, change_note.strip()
    version.save()
    audit_record(action="mappings.mappingversion.edited", actor=actor, obj=version, before=before,
                 after=version.content_snapshot(), ip_address=ip_address)
    return version


def mapping_import_json(*, mapping: Mapping, content, actor, ip_address: str | None = None) -> MappingVersion:
    """A draft from an exported version file; the file must belong to this mapping's source and type."""
    data = version_from_json(content)
    if (data["source_system"], data["object_type"]) not in ((None, None), (
            mapping.source_system.code, mapping.object_type)):
        raise DomainError(f"The file is a mapping for {data['source_system']} {data['object_type']}, not for "
                          f"{mapping.source_system.code} {mapping.object_type}.", code="wrong_mapping")
    return mapping_draft_create(mapping=mapping, spec=data["spec"], actor=actor,
                                schema_version=data["schema_version"], effective_from=data["effective_from"],
                                change_note=data["change_note"], ip_address=ip_address, origin="json import")


def mapping_import_crosswalks(*, mapping: Mapping, csv_text: str, actor, base: MappingVersion | None = None,
                              ip_address: str | None = None) -> MappingVersion:
    """A draft whose crosswalks are the CSV file's, and whose field rules are `base`'s (default: the
    version in effect, else the latest)."""
    crosswalks = crosswalks_from_csv(csv_text)
    base = base or mapping_version_in_effect(source_system=mapping.source_system,
                                             object_type=mapping.object_type) or mapping.versions.first()
    if base is None:
        raise DomainError("This mapping has no version to take the field rules from; import a JSON version.",
                          code="no_base")
    spec = {**base.spec, "crosswalks": crosswalks}
    return mapping_draft_create(mapping=mapping, spec=spec, actor=actor, schema_version=base.schema_version,
                                effective_from=None, change_note=f"Crosswalks imported from CSV onto v{base.number}",
                                ip_address=ip_address, origin="csv import")
