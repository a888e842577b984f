"""Live updates: after an exception's transaction commits, a small "something changed" message goes to the
channel-layer group of its legal entity; open workbench and dashboard pages re-fetch what they show through
the normal, permission-checked views (STYLE.md, "Websockets say something changed").

Groups: one per legal entity, plus one for cases without an entity (connector re-authorisation, SLA
breaches of no entity), which only users who may configure connectors see — the same scope as
`selectors.exception_queryset`. A user's socket joins exactly the groups `feed_groups` names.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

from apps.access.roles import Capability
from apps.access.selectors import can, entity_ids

from .choices import OPEN_STATUSES

logger = logging.getLogger("finsync.live")
UNSCOPED_GROUP = "exceptions.unscoped"
MESSAGE_TYPE = "exception.event"  # the consumer's handler: exception_event


def entity_group(entity_id: int | None) -> str:
    return UNSCOPED_GROUP if entity_id is None else f"exceptions.entity.{entity_id}"


def feed_groups(user) -> list[str] | None:
    """The groups a user's socket may join, or None when the user may not have a feed at all."""
    if not getattr(user, "is_authenticated", False) or not can(user, Capability.VIEW):
        return None
    groups = [entity_group(pk) for pk in sorted(entity_ids(user))]
    if can(user, Capability.CONFIGURE):
        groups.append(UNSCOPED_GROUP)
    return groups


def _open_delta(previous_status: str | None, status: str) -> int:
    """+1 when the case joins the open queue, -1 when it leaves it, 0 otherwise (for page counters)."""
    was_open = previous_status in OPEN_STATUSES
    is_open = status in OPEN_STATUSES
    return int(is_open) - int(was_open)


def event_message(case, *, event: str, previous_status: str | None) -> dict:
    """What the socket carries: ids and labels only; pages fetch the row itself through the scoped view."""
    return {
        "type": "exception.changed",
        "event": event,
        "id": case.pk,
        "entity": case.legal_entity_id,
        "kind": case.kind,
        "severity": case.severity,
        "status": case.status,
        "counts": {"occurrences": case.occurrence_count, "open_delta": _open_delta(previous_status, case.status)},
    }


def _send(group: str, message: dict) -> None:
    try:
        async_to_sync(get_channel_layer().group_send)(group, {"type": MESSAGE_TYPE, "message": message})
    except Exception:  # noqa: BLE001 - the business change is committed; a lost notice must not undo or hide it
        # Pages re-sync on reconnect and on reload; the change itself is safe in the database.
        logger.warning("live update for exception %s not sent", message["id"], exc_info=True)


def announce_on_commit(case, *, event: str, previous_status: str | None) -> None:
    """Broadcast the case's new state once the surrounding transaction commits (nothing if it rolls back).

    `event` is raised, repeated, changed, resolved or ignored; `previous_status` is None for a new case.
    """
    message = event_message(case, event=event, previous_status=previous_status)
    group = entity_group(case.legal_entity_id)
    transaction.on_commit(lambda: _send(group, message))
