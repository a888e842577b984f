"""Connector pages: health at a glance, and one connector with its schedule, actions and recent runs.
Actions (run now, enable/disable, test connection, schedule) are for people who may configure; the
services check that too, and audit every one."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from apps.access.roles import Capability
from apps.access.selectors import can
from apps.common.errors import DomainError
from apps.common.http import client_ip

from . import selectors, services
from .forms import ScheduleForm
from .models import Connector


def _get(request, code: str) -> Connector:
    try:
        return selectors.connector_get(user=request.user, code=code)
    except Connector.DoesNotExist as exc:
        raise Http404("No such connector") from exc


def connector_list(request):
    return render(request, "connectors/list.html", {"connectors": selectors.connector_list(user=request.user)})


def connector_detail(request, code: str):
    connector = _get(request, code)
    schedule = connector.schedule
    # A disabled connector's schedule is paused, not gone: show the interval it resumes with.
    active = schedule is not None and schedule.interval_id and (schedule.enabled or not connector.enabled)
    every = schedule.interval.every if active else None
    return render(request, "connectors/detail.html", {
        "connector": connector, "runs": selectors.connector_recent_runs(connector=connector),
        "can_configure": can(request.user, Capability.CONFIGURE), "every_seconds": every,
        "schedule_form": ScheduleForm(initial={"every_minutes": round(every / 60, 2) if every else None}),
        "test": request.session.pop(f"connector-test-{connector.pk}", None)})


def _act(request, code: str, action) -> object:
    connector = _get(request, code)
    try:
        action(connector)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("connectors:detail", code=connector.code)


@require_POST
def connector_run(request, code: str):
    def run(connector):
        services.connector_run_now(connector=connector, actor=request.user, ip_address=client_ip(request))
        messages.success(request, f"{connector.name} is being polled now; the run appears below when it finishes.")
    return _act(request, code, run)


@require_POST
def connector_toggle(request, code: str):
    enable = request.POST.get("enabled") == "1"

    def toggle(connector):
        services.connector_set_enabled(connector=connector, enabled=enable, actor=request.user,
                                       ip_address=client_ip(request))
        messages.success(request, f"{connector.name} {'enabled' if enable else 'disabled: no polling, no deliveries'}.")
    return _act(request, code, toggle)


@require_POST
def connector_test(request, code: str):
    def test(connector):
        result = services.connector_test_connection(connector=connector, actor=request.user,
                                                    ip_address=client_ip(request))
        request.session[f"connector-test-{connector.pk}"] = {"ok": result.ok, "detail": result.detail,
                                                             "elapsed_ms": result.elapsed_ms}
    return _act(request, code, test)


@require_POST
def connector_schedule(request, code: str):
    form = ScheduleForm(request.POST)

    def schedule(connector):
        if not form.is_valid():
            raise DomainError(" ".join(e for errs in form.errors.values() for e in errs), code="invalid_interval")
        every = form.every_seconds()
        services.connector_schedule_set(connector=connector, every_seconds=every, actor=request.user,
                                        ip_address=client_ip(request))
        when = (f"every {every // 60} min" if every >= 60 else f"every {every} s") if every else "no longer"
        messages.success(request, f"{connector.name} polls {when}." if every else f"{connector.name} no longer polls.")
    return _act(request, code, schedule)
