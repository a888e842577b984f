"""The workbench actions in one table: which form reads their input, which service runs them, what
people are told. The detail page, the list's bulk bar and the bulk job all go through it, so one case
and ten thousand cases take the same code path (capability, scope and audit checks in the services)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms

from apps.access.roles import Capability
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_assign, exception_claim, exception_ignore, exception_resolve

from . import forms as wb_forms
from .services import case_replay, payload_edit_propose


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    capability: str
    form: type[forms.Form]
    run: Callable[..., str]  # (case, data, actor, ip_address) -> message for people
    bulk: bool = True


def _resolve(case, data, actor, ip_address) -> str:
    exception_resolve(case=case, reason_code=data["reason_code"], note=data["note"], actor=actor,
                      ip_address=ip_address)
    return f"Exception #{case.pk} resolved."


def _ignore(case, data, actor, ip_address) -> str:
    exception_ignore(case=case, justification=data["justification"], actor=actor, ip_address=ip_address)
    return f"Exception #{case.pk} ignored."


def _assign(case, data, actor, ip_address) -> str:
    exception_assign(case=case, owner=data["owner"], actor=actor, ip_address=ip_address)
    return f"Exception #{case.pk} assigned to {data['owner'].get_username()}."


def _claim(case, data, actor, ip_address) -> str:
    exception_claim(case=case, actor=actor, ip_address=ip_address)
    return f"You own exception #{case.pk} now."


def _replay(case, data, actor, ip_address) -> str:
    plan = case_replay(case=case, actor=actor, version_choice=data["version_choice"], reason=data["reason"],
                       ip_address=ip_address)
    return f"Replay of record {plan.record.pk} queued: it will {plan.would}."


def _propose_edit(case, data, actor, ip_address) -> str:
    edit = payload_edit_propose(case=case, payload_text=data["payload"], note=data["note"], actor=actor,
                                version_choice=data["version_choice"], ip_address=ip_address)
    return (f"Edit {edit.number} proposed. Another person with the replay right must approve it; "
            "the record replays on approval.")


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("resolve", "Resolve", Capability.RESOLVE, wb_forms.ResolveForm, _resolve),
    Action("ignore", "Ignore", Capability.RESOLVE, wb_forms.IgnoreForm, _ignore),
    Action("assign", "Assign", Capability.RESOLVE, wb_forms.AssignForm, _assign),
    Action("claim", "Claim", Capability.RESOLVE, wb_forms.ClaimForm, _claim),
    Action("replay", "Replay", Capability.REPLAY, wb_forms.ReplayForm, _replay),
    Action("edit", "Edit payload and replay", Capability.REPLAY, wb_forms.PayloadEditForm, _propose_edit, bulk=False),
]}
BULK_ACTIONS = {name: action for name, action in ACTIONS.items() if action.bulk}


def action_form(action: Action, data=None, *, users=None, prefix: str | None = None) -> forms.Form:
    kwargs = {"users": users} if action.form is wb_forms.AssignForm else {}
    return action.form(data, prefix=prefix, **kwargs)


def action_run(action: Action, *, case: ExceptionCase, data: dict, actor, ip_address=None) -> str:
    return action.run(case, data, actor, ip_address)
