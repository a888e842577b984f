"""The open-exception tally (apps.exceptions.tally) equals a recount of the exceptions table after any sequence
of real service calls — raise, repeat, open many, assign, claim, resolve, ignore, auto-resolve, a bulk job — and
after a rebuild and compaction; the age buckets read from it are exact at every bound."""

import random
from datetime import timedelta

import pytest
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils import timezone

from apps.access.roles import Role
from apps.access.services import user_create
from apps.common.errors import DomainError
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase, OpenExceptionTally
from apps.exceptions.services import (
    exception_assign,
    exception_claim,
    exception_ignore,
    exception_raise,
    exception_resolve,
    exceptions_auto_resolve,
    exceptions_open_many,
)
from apps.exceptions.tally import OLD_DAY, open_by_entity_age, open_by_entity_kind, tally_compact, tally_rebuild
from apps.jobs.models import Job
from apps.jobs.services import job_run
from apps.workbench.bulk import bulk_start

pytestmark = pytest.mark.django_db

EVERYTHING = Q()
BOUNDS = [0, 24, 72, 168, 720]  # the exceptions-by-age widget's bounds (hours)
KINDS = ["journal.unbalanced", "invoice.duplicate", "payment.rejected", "technical.dead_letter"]


@pytest.fixture
def admin(entity_de, entity_us):
    """Acts on every case, those without an entity too (integration admin: configure capability)."""
    return user_create(
        username="ines", password="s3cret-Pa55word", roles=[Role.INTEGRATION_ADMIN], entities=[entity_de, entity_us]
    )


def _recount_by_kind(scope=EVERYTHING):
    rows = (
        ExceptionCase.objects.filter(scope, status__in=OPEN_STATUSES)
        .values("legal_entity_id", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["legal_entity_id"], r["kind"]): r["n"] for r in rows}


def _recount_by_age(now, scope=EVERYTHING):
    age = Case(
        *[
            When(first_seen__lte=now - timedelta(hours=h), then=Value(i))
            for i, h in reversed(list(enumerate(BOUNDS)))
            if h
        ],
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        ExceptionCase.objects.filter(scope, status__in=OPEN_STATUSES)
        .annotate(age=age)
        .values("legal_entity_id", "age")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(r["legal_entity_id"], r["age"]): r["n"] for r in rows}


def _assert_tally_matches(scopes, nows):
    for scope in scopes:
        assert open_by_entity_kind(scope=scope) == _recount_by_kind(scope)
        for now in nows:
            assert open_by_entity_age(scope=scope, now=now, bounds_hours=BOUNDS) == _recount_by_age(now, scope)


def _random_steps(rng, steps, *, admin, entities):
    """Real service calls in a random order; refused ones (a closed case, a claimed one) are part of the mix."""
    for step in range(steps):
        open_cases = list(ExceptionCase.objects.filter(status__in=OPEN_STATUSES).order_by("pk"))
        action = rng.choice(["raise", "raise", "raise", "many", "assign", "claim", "resolve", "ignore", "auto"])
        try:
            if action == "raise" or not open_cases:
                # a small pool of subjects, so repeats of an open case are counted as occurrences, not cases
                exception_raise(
                    kind=rng.choice(KINDS),
                    message=f"problem {step}",
                    subject=f"s{rng.randint(1, 25)}",
                    legal_entity=rng.choice(entities),
                )
            elif action == "many":
                entity = rng.choice(entities)
                exceptions_open_many(
                    kind="payment.unacknowledged",
                    cause="not acknowledged",
                    cases=[
                        {
                            "subject": f"pay{rng.randint(1, 30)}",
                            "message": "no acknowledgment",
                            "legal_entity_id": entity.pk if entity else None,
                        }
                        for _ in range(rng.randint(1, 4))
                    ],
                )
            elif action == "assign":
                exception_assign(case=rng.choice(open_cases), owner=admin, actor=admin)
            elif action == "claim":
                exception_claim(case=rng.choice(open_cases), actor=admin)
            elif action == "resolve":
                exception_resolve(case=rng.choice(open_cases), reason_code="fixed_at_source", note="", actor=admin)
            elif action == "ignore":
                exception_ignore(case=rng.choice(open_cases), justification="known test difference", actor=admin)
            else:
                exceptions_auto_resolve(cases=rng.sample(open_cases, min(3, len(open_cases))), note="SLA met again")
        except DomainError:
            pass


def test_tally_equals_a_recount_after_random_service_calls_rebuild_and_compaction(admin, entity_de, entity_us):
    rng = random.Random(20261203)
    entities = [entity_de, entity_us, None]
    scopes = [
        Q(),
        Q(legal_entity_id__in=[entity_de.pk]),
        Q(legal_entity_id__in=[entity_de.pk, entity_us.pk]) | Q(legal_entity_id__isnull=True),
    ]
    now = timezone.now()
    # Bounds cutting through today and (later) through the back-dated days, and past the compaction horizon.
    nows = [now, now + timedelta(hours=30), now + timedelta(days=7, hours=2), now + timedelta(days=45)]

    _random_steps(rng, 120, admin=admin, entities=entities)
    assert ExceptionCase.objects.filter(status__in=OPEN_STATUSES).count() > 10
    assert ExceptionCase.objects.exclude(status__in=OPEN_STATUSES).count() > 10
    _assert_tally_matches(scopes, nows)

    # History rewritten behind the services' back (as a bulk load does), then rebuilt from the table.
    step = timedelta(days=60) / ExceptionCase.objects.count()  # spread over the last 60 days, open cases too
    for n, pk in enumerate(ExceptionCase.objects.order_by("?").values_list("pk", flat=True)):
        ExceptionCase.objects.filter(pk=pk).update(first_seen=now - step * n)
    assert open_by_entity_age(scope=Q(), now=now, bounds_hours=BOUNDS) != _recount_by_age(now)
    tally_rebuild()
    assert OpenExceptionTally.objects.filter(day=OLD_DAY).exists()  # cases over 31 days old were folded
    _assert_tally_matches(scopes, nows)

    # More changes on top, then compactions: as of today (valid for every later reader) and as of 40 days later
    # (folds nearly everything; valid for readers from then on). The sums stay the same.
    _random_steps(rng, 80, admin=admin, entities=entities)
    _assert_tally_matches(scopes, nows)
    before = OpenExceptionTally.objects.count()
    assert tally_compact() < before
    _assert_tally_matches(scopes, nows)
    tally_compact(today=(now + timedelta(days=40)).date())
    assert set(OpenExceptionTally.objects.values_list("day", flat=True)) <= {
        OLD_DAY,
        *[(now + timedelta(days=d)).date() for d in range(9, 41)],
    }
    _assert_tally_matches(scopes, [now + timedelta(days=45)])


def test_a_bulk_job_and_a_refused_action_keep_the_tally_exact(client_for, admin, entity_de, entity_us):
    cases = [
        exception_raise(
            kind="journal.unbalanced",
            message=f"JE-{n} off",
            reference=f"JE-{n}",
            legal_entity=entity_de if n % 2 else entity_us,
        )
        for n in range(6)
    ]
    exception_resolve(case=cases[0], reason_code="fixed_at_source", note="", actor=admin)
    with pytest.raises(DomainError):  # closed already: refused, and nothing is counted twice
        exception_ignore(case=cases[0], justification="already fixed upstream", actor=admin)

    bulk_start(
        actor=admin,
        action_name="resolve",
        data={"reason_code": "fixed_in_target", "note": "bulk"},
        ids=[c.pk for c in cases[:4]],
        query="",
    )
    assert job_run(Job.objects.get().pk) == "succeeded"

    assert open_by_entity_kind(scope=Q()) == {
        (entity_de.pk, "journal.unbalanced"): 1,
        (entity_us.pk, "journal.unbalanced"): 1,
    }
    assert open_by_entity_kind(scope=Q()) == _recount_by_kind()
    assert tally_rebuild() == 2
    assert open_by_entity_kind(scope=Q()) == _recount_by_kind()
