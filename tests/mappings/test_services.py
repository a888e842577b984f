"""Drafts, maker-checker, import/export and diff of governed mappings, through the services."""

from __future__ import annotations

import copy
import json

import pytest

from apps.audit.models import AuditEvent
from apps.common.errors import DomainError, PermissionDenied
from apps.governance import services as governance
from apps.mappings.diff import spec_diff
from apps.mappings.models import MappingVersion
from apps.mappings.services import (
    mapping_draft_create,
    mapping_draft_update,
    mapping_import_crosswalks,
    mapping_import_json,
    mapping_version_in_effect,
)
from apps.mappings.transfer import crosswalks_to_csv, version_to_json

from .conftest import JOURNAL_SPEC

pytestmark = pytest.mark.django_db


def test_a_draft_is_numbered_audited_and_not_in_effect(journal_mapping_empty, admin_ines):
    version = mapping_draft_create(mapping=journal_mapping_empty, spec=JOURNAL_SPEC, actor=admin_ines,
                                   change_note="First journal mapping")

    assert (version.number, version.status, version.spec) == (1, "draft", JOURNAL_SPEC)
    assert AuditEvent.objects.filter(action="mappings.mappingversion.drafted", object_id=str(version.pk)).count() == 1
    assert mapping_version_in_effect(source_system=journal_mapping_empty.source_system,
                                     object_type="journal_entry") is None


def test_auditor_and_treasury_cannot_draft_and_nothing_is_written(journal_mapping_empty, auditor, treasury_operator):
    for user in (auditor, treasury_operator):
        with pytest.raises(PermissionDenied):
            mapping_draft_create(mapping=journal_mapping_empty, spec=JOURNAL_SPEC, actor=user)
    assert MappingVersion.objects.count() == 0


@pytest.mark.parametrize(("spec", "problem"), [
    ({"fields": {}}, "produces nothing"),
    ({"fields": {"amount": {"from": "x", "transform": "money"}}}, "unknown transform 'money'"),
    ({"fields": {"account": {"from": "acct", "crosswalk": "gl_account"}}}, "crosswalk 'gl_account' does not exist"),
    ({"fields": {"a": "x"}}, "a rule is an object"),
    ({"fields": {"a": {"from": "x"}}, "lists": {"lines": {"fields": {}}}}, "lists.lines: needs 'from'"),
])
def test_a_spec_the_engine_cannot_run_is_refused_in_words(journal_mapping_empty, admin_ines, spec, problem):
    with pytest.raises(DomainError) as caught:
        mapping_draft_create(mapping=journal_mapping_empty, spec=spec, actor=admin_ines)
    assert caught.value.code == "invalid_spec"
    assert problem in caught.value.message
    assert MappingVersion.objects.count() == 0


def test_proposer_can_never_approve_and_another_person_can(journal_mapping_empty, admin_ines, controller):
    version = mapping_draft_create(mapping=journal_mapping_empty, spec=JOURNAL_SPEC, actor=admin_ines)
    governance.version_propose(version=version, actor=admin_ines, note="Map ops journals")

    with pytest.raises(PermissionDenied) as caught:
        governance.version_approve(version=version, actor=admin_ines)
    assert caught.value.code == "four_eyes"
    assert MappingVersion.objects.get(pk=version.pk).status == "proposed"

    governance.version_approve(version=version, actor=controller, note="Checked against the SAP chart")
    assert mapping_version_in_effect(source_system=journal_mapping_empty.source_system,
                                     object_type="journal_entry").pk == version.pk


def test_only_drafts_can_be_edited(journal_mapping_empty, admin_ines):
    version = mapping_draft_create(mapping=journal_mapping_empty, spec=JOURNAL_SPEC, actor=admin_ines)
    changed = copy.deepcopy(JOURNAL_SPEC)
    changed["crosswalks"]["gl_account"]["400200"] = "6200"
    mapping_draft_update(version=version, spec=changed, actor=admin_ines, schema_version="v1",
                         effective_from=None, change_note="Add 400200")
    assert MappingVersion.objects.get(pk=version.pk).spec == changed

    governance.version_propose(version=version, actor=admin_ines, note="Add 400200")
    with pytest.raises(DomainError) as caught:
        mapping_draft_update(version=version, spec=JOURNAL_SPEC, actor=admin_ines, schema_version="v1",
                             effective_from=None, change_note="sneak")
    assert caught.value.code == "not_editable"
    assert MappingVersion.objects.get(pk=version.pk).spec == changed


def test_json_export_imports_as_an_identical_draft(journal_mapping, admin_ines):
    exported = json.dumps(version_to_json(journal_mapping))

    imported = mapping_import_json(mapping=journal_mapping.mapping, content=exported, actor=admin_ines)

    assert (imported.number, imported.status, imported.spec) == (2, "draft", journal_mapping.spec)
    assert spec_diff(journal_mapping.spec, imported.spec) == []


def test_json_of_another_mapping_is_refused(journal_mapping, admin_ines):
    data = version_to_json(journal_mapping) | {"source_system": "coupa", "object_type": "supplier"}
    with pytest.raises(DomainError) as caught:
        mapping_import_json(mapping=journal_mapping.mapping, content=json.dumps(data), actor=admin_ines)
    assert caught.value.code == "wrong_mapping"
    with pytest.raises(DomainError, match="not valid JSON"):
        mapping_import_json(mapping=journal_mapping.mapping, content="{not json", actor=admin_ines)
    assert journal_mapping.mapping.versions.count() == 1


def test_csv_crosswalks_round_trip_and_change_only_the_crosswalks(journal_mapping, admin_ines):
    csv_text = crosswalks_to_csv(journal_mapping.spec)
    assert csv_text.splitlines()[:2] == ["crosswalk,source_value,target_value", "gl_account,113100,1200"]

    edited = csv_text.replace("gl_account,400100,6100", "gl_account,400100,6150") + "tax_code,V1,DE19\n"
    draft = mapping_import_crosswalks(mapping=journal_mapping.mapping, csv_text=edited, actor=admin_ines)

    assert draft.spec["fields"] == journal_mapping.spec["fields"]
    assert draft.spec["lists"] == journal_mapping.spec["lists"]
    assert [(c.kind, c.key, c.before, c.after) for c in spec_diff(journal_mapping.spec, draft.spec)] == [
        ("changed", "gl_account: 400100", "6100", "6150"),
        ("added", "tax_code: V1", None, "DE19"),
    ]


def test_bad_csv_names_the_lines(journal_mapping, admin_ines):
    bad = "crosswalk,source_value,target_value\ngl_account,400100\ngl_account,1,A\ngl_account,1,B\n"
    with pytest.raises(DomainError) as caught:
        mapping_import_crosswalks(mapping=journal_mapping.mapping, csv_text=bad, actor=admin_ines)
    assert caught.value.extra["problems"] == ["line 2: expected crosswalk, source value, target value",
                                              "line 4: gl_account '1' is mapped twice"]
    assert journal_mapping.mapping.versions.count() == 1


def test_diff_names_rule_changes_in_words(journal_mapping):
    after = copy.deepcopy(journal_mapping.spec)
    after["fields"]["description"] = {"from": "memo", "transform": "strip"}
    del after["fields"]["document_date"]
    after["lists"]["lines"]["fields"]["tax_code"] = {"from": "tax", "crosswalk": "side"}

    changes = [(c.kind, c.section, c.key, c.before, c.after) for c in spec_diff(journal_mapping.spec, after)]

    assert changes == [
        ("changed", "field", "description", "from text · default ''", "from memo · strip"),
        ("removed", "field", "document_date", "from document_date · date", None),
        ("added", "field", "lines[].tax_code", None, "from tax · via crosswalk side"),
    ]


def test_an_approved_version_runs_only_from_its_effective_date(journal_mapping, admin_ines, controller):
    from datetime import timedelta

    from django.utils import timezone

    from apps.mappings.selectors import mapping_overview

    start = timezone.now() + timedelta(days=3)
    later = mapping_draft_create(mapping=journal_mapping.mapping, spec=JOURNAL_SPEC, actor=admin_ines,
                                 effective_from=start, change_note="From the first of the month")
    governance.version_propose(version=later, actor=admin_ines)
    governance.version_approve(version=later, actor=controller)
    system = journal_mapping.mapping.source_system

    assert mapping_version_in_effect(source_system=system, object_type="journal_entry").pk == journal_mapping.pk
    assert mapping_version_in_effect(source_system=system, object_type="journal_entry",
                                     at=start + timedelta(seconds=1)).pk == later.pk
    overview = mapping_overview()[0]
    assert overview.current.pk == journal_mapping.pk
    assert [v.pk for v in overview.upcoming] == [later.pk]
