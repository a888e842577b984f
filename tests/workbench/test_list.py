"""The workbench list: every filter, sort with keyset pages, grouping by fingerprint, facets, saved views,
and export — all within the user's legal entities."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.audit.models import AuditEvent
from apps.banking.models import CompanyBankAccount
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.models import ExceptionCase
from apps.ledger.models import AccountingPeriod
from apps.masterdata.models import Bank, SourceSystem, Supplier
from apps.treasury.models import PaymentBatch
from apps.workbench.models import SavedView

from .conftest import make_case

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    return [c.pk for c in response.context["page"].rows]


def _dimensions(entity):
    system = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    bank = Bank.objects.create(name="Commerzbank", bic="COBADEFFXXX", country="DE")
    account = CompanyBankAccount.objects.create(legal_entity=entity, bank=bank, name="EUR operating",
                                                iban="DE89370400440532013000", currency="EUR")
    supplier = Supplier.objects.create(legal_entity=entity, number="S-1", name="Acme GmbH")
    period = AccountingPeriod.objects.create(legal_entity=entity, fiscal_year=2026, number=11,
                                             start_date="2026-11-01", end_date="2026-11-30")
    batch = PaymentBatch.objects.create(legal_entity=entity, reference="PB-1", debtor_account=account,
                                        requested_execution_date="2026-11-20", currency="EUR")
    return {"source_system": system, "bank_account": account, "supplier": supplier, "period": period,
            "payment_batch": batch}


def test_every_dimension_filter_narrows_the_list(client_for, controller, entity_de):
    dims = _dimensions(entity_de)
    plain = make_case(entity_de, "JE-PLAIN")
    tagged = {name: make_case(entity_de, f"JE-{name}", **{name: obj}) for name, obj in dims.items()}
    client = client_for(controller)

    for name, obj in dims.items():
        assert _ids(client.get("/workbench/", {f"{name}_id": obj.pk})) == [tagged[name].pk], name
    assert set(_ids(client.get("/workbench/"))) == {plain.pk, *(c.pk for c in tagged.values())}


def test_kind_record_type_owner_unassigned_age_and_sla_filters(client_for, controller, entity_de):
    old = make_case(entity_de, "INV-OLD", kind="invoice.match")
    ExceptionCase.objects.filter(pk=old.pk).update(first_seen=timezone.now() - timedelta(days=4),
                                                   sla_due_at=timezone.now() - timedelta(hours=1))
    mine = make_case(entity_de, "JE-MINE")
    ExceptionCase.objects.filter(pk=mine.pk).update(owner=controller, status="assigned",
                                                    sla_due_at=timezone.now() + timedelta(hours=2))
    later = make_case(entity_de, "PAY-1", kind="payment.unacknowledged", record_type="payment")
    client = client_for(controller)

    assert _ids(client.get("/workbench/", {"kind": "invoice.match"})) == [old.pk]
    assert _ids(client.get("/workbench/", {"record_type": "payment"})) == [later.pk]
    assert _ids(client.get("/workbench/", {"owner_id": controller.pk})) == [mine.pk]
    assert set(_ids(client.get("/workbench/", {"unassigned": "true"}))) == {old.pk, later.pk}
    assert _ids(client.get("/workbench/", {"older_than_hours": 72})) == [old.pk]
    assert _ids(client.get("/workbench/", {"sla": "breached"})) == [old.pk]
    assert _ids(client.get("/workbench/", {"sla": "due_soon"})) == [mine.pk]
    assert _ids(client.get("/workbench/", {"sla": "on_time"})) == [later.pk]
    assert _ids(client.get("/workbench/", {"q": "pay-1"})) == [later.pk]


def test_several_values_and_the_sla_state_filter_once_each(client_for, controller, entity_de):
    """Several statuses (kinds, severities) are one IN (…), and an SLA state over open cases does not repeat the
    open statuses: PostgreSQL multiplies repeated conditions, underestimates the matches and plans the list's
    count as a bitmap heap scan of thousands of pages (docs/PERFORMANCE.md, "Open-exception tally …")."""
    late = make_case(entity_de, "JE-LATE")
    ExceptionCase.objects.filter(pk=late.pk).update(sla_due_at=timezone.now() - timedelta(hours=1))
    done = make_case(entity_de, "JE-DONE")
    ExceptionCase.objects.filter(pk=done.pk).update(status="resolved", sla_due_at=timezone.now() - timedelta(hours=1))
    client = client_for(controller)

    breached = client.get("/workbench/", {"sla": "breached"})
    where = str(breached.context["filter"].qs.query).split(" WHERE ", 1)[1]
    assert _ids(breached) == [late.pk]
    assert where.count('"status"') == 1
    assert '"status" IN (open, assigned)' in where.replace("'", "")
    # With a closed status chosen, the SLA state still keeps to open cases (a resolved case has no SLA state).
    assert _ids(client.get("/workbench/", {"sla": "breached", "status": ["open", "resolved"]})) == [late.pk]
    assert set(_ids(client.get("/workbench/", {"status": ["open", "resolved"]}))) == {late.pk, done.pk}


def test_every_foreign_key_of_an_exception_has_a_filter():
    fks = {f.name for f in ExceptionCase._meta.get_fields() if f.many_to_one}
    assert {f"{name}_id" for name in fks} <= set(ExceptionFilterSet.base_filters)


def test_keyset_pages_walk_every_row_once_in_each_sort(client_for, controller, entity_de):
    now = timezone.now()
    cases = [make_case(entity_de, f"JE-{n}") for n in range(120)]
    for n, case in enumerate(cases):  # ties on purpose: ten cases share each timestamp
        ExceptionCase.objects.filter(pk=case.pk).update(
            first_seen=now - timedelta(minutes=n // 10), last_seen=now - timedelta(minutes=n // 10),
            occurrence_count=1 + n % 7, sla_due_at=None if n % 4 == 0 else now + timedelta(hours=n % 9))
    client = client_for(controller)

    for sort in ["-last_seen", "first_seen", "-first_seen", "sla_due_at", "-occurrence_count"]:
        seen, params = [], {"sort": sort}
        while True:
            response = client.get("/workbench/", params)
            seen += _ids(response)
            cursor = response.context["page"].next_cursor
            if cursor is None:
                break
            params = {"sort": sort, "after": cursor}
        assert sorted(seen) == sorted(c.pk for c in cases), sort
        field = sort.lstrip("-")
        expected = ExceptionCase.objects.order_by(
            *(([f"-{field}"] if sort.startswith("-") else [field]) if field != "sla_due_at" else []), "pk")
        if field == "sla_due_at":
            values = [ExceptionCase.objects.get(pk=pk).sla_due_at for pk in seen]
            dated = [v for v in values if v is not None]
            assert dated == sorted(dated)
            assert values[len(dated):] == [None] * (len(values) - len(dated))  # no due date: last
        else:
            values = list(expected.values_list(field, flat=True))
            assert [getattr(ExceptionCase.objects.get(pk=pk), field) for pk in seen] == values, sort


def test_a_foreign_cursor_starts_at_the_top(client_for, controller, entity_de):
    case = make_case(entity_de, "JE-1")
    response = client_for(controller).get("/workbench/", {"after": "not-a-cursor"})
    assert _ids(response) == [case.pk]
    assert response.context["page"].is_first


def test_grouping_by_fingerprint_shows_one_row_per_problem_expandable(client_for, controller, entity_de,
                                                                      entity_us):
    same = [make_case(entity_de, f"JE-{n}") for n in range(3)]
    other = make_case(entity_de, "INV-1", kind="invoice.match")
    make_case(entity_us, "JE-US")  # same problem in an entity clara does not see
    client = client_for(controller)

    grouped = client.get("/workbench/", {"group": "fingerprint"})
    members = client.get("/workbench/", {"fingerprint": same[0].fingerprint, "partial": "rows"})

    assert [(g["fingerprint"], g["cases"]) for g in grouped.context["groups"]] == [
        (same[0].fingerprint, 3), (other.fingerprint, 1)]
    assert "Show the 3 exceptions" in grouped.content.decode()
    assert sorted(_ids(members)) == sorted(c.pk for c in same)
    assert "<html" not in members.content.decode()


def test_facets_count_the_current_result(client_for, controller, entity_de, entity_us):
    for n in range(3):
        make_case(entity_de, f"JE-{n}")
    make_case(entity_de, "INV-1", kind="invoice.match")
    make_case(entity_us, "JE-US")

    facets = client_for(controller).get("/workbench/facets/").context["facets"]

    assert [(f.value, f.count) for f in facets["Severity"]] == [("high", 3), ("medium", 1)]
    assert [(f.label, f.count) for f in facets["Legal entity"]] == [("DE01", 4)]
    assert [(f.value, f.count) for f in facets["SLA"]] == [("on_time", 4)]
    assert {f.value: f.count for f in facets["Kind"]} == {"journal.unbalanced": 3, "invoice.match": 1}


def test_saved_views_personal_shared_and_deleted_only_by_their_owner(client_for, controller, treasury_operator,
                                                                     entity_de):
    clara, theo = client_for(controller), client_for(treasury_operator)

    clara.post("/workbench/views/", {"name": "Breached", "query": "sla=breached", "shared": "on"})
    clara.post("/workbench/views/", {"name": "Mine only", "query": "owner_id=1"})
    clara.post("/workbench/views/", {"name": "Breached", "query": "sla=breached&severity=high", "shared": "on"})
    shared = SavedView.objects.get(name="Breached")
    private = SavedView.objects.get(name="Mine only")

    assert SavedView.objects.count() == 2  # saving under the same name replaces the filters
    assert shared.query == "sla=breached&severity=high"
    assert [v.name for v in clara.get("/workbench/").context["saved_views"]] == ["Breached", "Mine only"]
    assert [v.name for v in theo.get("/workbench/").context["saved_views"]] == ["Breached"]
    assert theo.post(f"/workbench/views/{shared.pk}/delete/").status_code == 403
    assert theo.post(f"/workbench/views/{private.pk}/delete/").status_code == 404
    assert clara.post(f"/workbench/views/{shared.pk}/delete/").status_code == 302
    assert list(SavedView.objects.values_list("name", flat=True)) == ["Mine only"]


def test_csv_export_streams_the_filtered_scoped_view_and_is_audited(client_for, controller, entity_de, entity_us):
    make_case(entity_de, "=HYPERLINK(\"http://evil\")")
    keep = make_case(entity_de, "JE-KEEP")
    make_case(entity_de, "INV-1", kind="invoice.match")
    make_case(entity_us, "JE-US")

    response = client_for(controller).get("/workbench/export.csv", {"severity": "high"})

    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0][:3] == ["Id", "Kind", "Title"]
    assert sorted(r[8] for r in rows[1:]) == ["'=HYPERLINK(\"http://evil\")", "JE-KEEP"]
    assert str(keep.pk) in {r[0] for r in rows[1:]}
    event = AuditEvent.objects.get(action="workbench.exported")
    assert (event.actor, event.after) == (controller, {"format": "csv", "filters": "severity=high"})


def test_xlsx_export_opens_in_a_spreadsheet(client_for, controller, entity_de):
    case = make_case(entity_de, "JE-1")

    response = client_for(controller).get("/workbench/export.xlsx")

    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["Exceptions"].iter_rows(values_only=True))
    assert rows[0][0] == "Id"
    assert (rows[1][0], rows[1][1], rows[1][8]) == (case.pk, "journal.unbalanced", "JE-1")
    assert len(rows) == 2


@pytest.mark.parametrize("params", [
    {"older_than_hours": "1e30"}, {"older_than_hours": "-5"}, {"legal_entity_id": "abc"}, {"sort": "password"},
    {"sort": "-occurrence_count", "after": "WzFlMzAsIDk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5XQ"},  # [1e30, 10**22]
    {"gpage": "-1", "group": "fingerprint"}, {"q": "'; DROP TABLE exceptions_exceptioncase; --"},
])
def test_hostile_list_parameters_never_crash_the_page(client_for, controller, entity_de, params):
    case = make_case(entity_de, "JE-1")
    response = client_for(controller).get("/workbench/", params)
    assert response.status_code == 200
    if "q" not in params and "group" not in params:
        assert case.pk in _ids(response)


def test_facets_wait_for_a_narrower_filter_when_too_many_match(client_for, controller, entity_de, monkeypatch):
    from apps.workbench import listing

    monkeypatch.setattr(listing, "COUNT_CAP", 2)  # stands in for 10,000 without writing 10,001 rows
    for n in range(3):
        make_case(entity_de, f"JE-{n}")
    make_case(entity_de, "INV-1", kind="invoice.match")
    client = client_for(controller)

    wide = client.get("/workbench/facets/")
    narrow = client.get("/workbench/facets/", {"kind": "invoice.match"})
    page = client.get("/workbench/")

    assert wide.context["facets"] is None
    assert "Narrow the filter" in wide.content.decode()
    assert [(f.value, f.count) for f in narrow.context["facets"]["Kind"]] == [("invoice.match", 1)]
    assert (page.context["count"].value, page.context["count"].capped) == (2, True)
    assert "2+</span>" not in page.content.decode()
    assert ">2</span>+ exceptions" in page.content.decode()
