"""The home page shows figures for the user's legal entities only."""

import pytest
from django.contrib.auth import get_user_model

from apps.demo.services import demo_seed

pytestmark = pytest.mark.django_db


def test_home_shows_only_the_users_entities(client):
    demo_seed()
    client.force_login(get_user_model().objects.get(username="controller_us"))

    response = client.get("/")

    assert response.status_code == 200
    codes = [s.entity.code for s in response.context["summaries"]]
    assert codes == ["US01"]
    assert b"Nordwind Inc." in response.content
    assert b"Nordwind Handels GmbH" not in response.content


def test_home_figures_come_from_the_canonical_data(client):
    from apps.procurement.models import SupplierInvoice

    demo_seed()
    client.force_login(get_user_model().objects.get(username="controller"))
    summaries = {s.entity.code: s for s in client.get("/").context["summaries"]}

    assert set(summaries) == {"DE01", "GB01", "NL01"}
    de = summaries["DE01"]
    expected_open = SupplierInvoice.objects.filter(
        legal_entity__code="DE01", status__in=["received", "matched", "approved", "posted", "disputed"]).count()
    assert de.open_invoices == expected_open
    assert {ccy for ccy, _ in de.cash} == {"EUR", "USD"}
    assert de.open_period


def test_home_for_a_user_without_entities_explains_what_to_do(client, db):
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user("lonely", password="x")
    user.groups.add(Group.objects.get_or_create(name="controller")[0])
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    assert b"You are not a member of any legal entity" in response.content


def test_a_user_without_a_role_is_told_what_to_do_and_sees_nothing(client, db):
    user = get_user_model().objects.create_user("roleless", password="x")
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 403
    assert b"Your account has no role in FinSync yet" in response.content
    assert b"Sign out" in response.content


def test_home_query_count_does_not_grow_with_data(client, django_assert_max_num_queries):
    demo_seed()
    client.force_login(get_user_model().objects.get(username="treasury"))
    with django_assert_max_num_queries(16):
        client.get("/")


def test_home_counts_each_entitys_open_exceptions_and_links_to_them(client):
    from django.utils import timezone

    from apps.exceptions.models import ExceptionCase
    from apps.masterdata.models import LegalEntity

    demo_seed()
    now = timezone.now()
    entities = {e.code: e for e in LegalEntity.objects.all()}
    for code, severity, status in [("DE01", "high", "open"), ("DE01", "low", "assigned"), ("DE01", "critical",
                                                                                          "resolved"),
                                   ("GB01", "medium", "open"), ("US01", "critical", "open")]:
        ExceptionCase.objects.create(kind="journal.unbalanced", title="Journal does not balance", severity=severity,
                                     status=status, legal_entity=entities[code],
                                     fingerprint=f"{code}-{severity}-{status}", dedup_key=f"{code}-{severity}-{status}",
                                     first_seen=now, last_seen=now)
    client.force_login(get_user_model().objects.get(username="controller"))

    response = client.get("/")

    summaries = {s.entity.code: s for s in response.context["summaries"]}
    assert [(summaries[c].open_exceptions, summaries[c].urgent_exceptions) for c in ("DE01", "GB01", "NL01")] == [
        (2, 1), (1, 0), (0, 0)]
    assert f'href="/workbench/?legal_entity_id={entities["DE01"].pk}"'.encode() in response.content
    assert b"1 high or critical" in response.content
