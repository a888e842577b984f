"""The live exception feed (/ws/exceptions/) through the real ASGI application (session auth, origin check) and
the real Redis channel layer: who receives what, and the row partial the page fetches."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.db import transaction
from django.test import Client

from apps.access.models import EntityMembership
from apps.access.roles import Role
from apps.access.services import user_create
from apps.exceptions.models import ExceptionCase
from apps.exceptions.services import exception_raise, exception_resolve
from finsync.asgi import application
from tests.conftest import PASSWORD
from tests.websocket import WebsocketClient

pytestmark = pytest.mark.django_db(transaction=True)
QUIET = 0.5  # seconds a socket must stay silent to count as "received nothing"


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _open(user=None) -> WebsocketClient:
    headers = [(b"origin", b"http://127.0.0.1")]
    if user is not None:
        headers.append((b"cookie", await database_sync_to_async(_cookie)(user)))
    socket = WebsocketClient(application, "/ws/exceptions/", headers=headers)
    connected, _ = await socket.connect()
    assert connected
    return socket


def _raise(entity, reference: str = "INV-1") -> ExceptionCase:
    return exception_raise(kind="invoice.duplicate", message=f"Invoice {reference} duplicates INV-0",
                           reference=reference, legal_entity=entity)


def test_a_user_receives_events_of_their_entity_and_never_of_another(controller, outsider, entity_de, entity_us):
    async def scenario():
        clara, uma = await _open(controller), await _open(outsider)
        assert await clara.receive_json_from() == {"type": "feed.ready", "groups": 1}
        assert await uma.receive_json_from() == {"type": "feed.ready", "groups": 1}

        us_case = await database_sync_to_async(_raise)(entity_us, "US-INV-7")
        assert await uma.receive_json_from(timeout=5) == {
            "type": "exception.changed", "event": "raised", "id": us_case.pk, "entity": entity_us.pk,
            "kind": "invoice.duplicate", "severity": "high", "status": "open",
            "counts": {"occurrences": 1, "open_delta": 1}}
        assert await clara.receive_nothing(timeout=QUIET)

        de_case = await database_sync_to_async(_raise)(entity_de, "DE-INV-3")
        message = await clara.receive_json_from(timeout=5)
        assert (message["id"], message["entity"], message["event"]) == (de_case.pk, entity_de.pk, "raised")
        assert await uma.receive_nothing(timeout=QUIET)
        await clara.disconnect()
        await uma.disconnect()

    async_to_sync(scenario)()


def test_an_idle_socket_stays_open_past_the_layers_blocking_read(controller, entity_de):
    """redis-py 8's default 5 s read timeout used to kill every idle consumer after 5 s (settings: CHANNEL_LAYERS)."""
    async def scenario():
        clara = await _open(controller)
        await clara.receive_json_from()
        await asyncio.sleep(7)
        assert await clara.receive_nothing(timeout=0.1)  # no close, no crash while idle
        case = await database_sync_to_async(_raise)(entity_de)
        assert (await clara.receive_json_from(timeout=5))["id"] == case.pk
        await clara.send_json_to({"type": "ping"})
        assert await clara.receive_json_from() == {"type": "pong"}
        await clara.disconnect()

    async_to_sync(scenario)()


def test_repeat_and_resolve_are_announced_with_counts(controller, entity_de):
    async def scenario():
        clara = await _open(controller)
        await clara.receive_json_from()
        case = await database_sync_to_async(_raise)(entity_de)
        await clara.receive_json_from(timeout=5)

        await database_sync_to_async(_raise)(entity_de)  # the same problem again: one more occurrence
        repeated = await clara.receive_json_from(timeout=5)
        assert (repeated["id"], repeated["event"], repeated["counts"]) == (
            case.pk, "repeated", {"occurrences": 2, "open_delta": 0})

        await database_sync_to_async(exception_resolve)(case=case, reason_code="duplicate_confirmed", note="",
                                                         actor=controller)
        resolved = await clara.receive_json_from(timeout=5)
        assert (resolved["id"], resolved["event"], resolved["status"], resolved["counts"]["open_delta"]) == (
            case.pk, "resolved", "resolved", -1)
        await clara.disconnect()

    async_to_sync(scenario)()


def test_nothing_is_announced_for_a_change_that_rolls_back(controller, entity_de):
    def raise_then_roll_back():
        with transaction.atomic():
            _raise(entity_de, "ROLLED-BACK")
            transaction.set_rollback(True)  # the surrounding work failed

    async def scenario():
        clara = await _open(controller)
        await clara.receive_json_from()
        await database_sync_to_async(raise_then_roll_back)()
        assert await clara.receive_nothing(timeout=QUIET)
        await clara.disconnect()

    async_to_sync(scenario)()
    assert not ExceptionCase.objects.filter(reference="ROLLED-BACK").exists()


def test_cases_without_an_entity_reach_only_users_who_configure_connectors(controller, entity_de):
    admin = user_create(username="ines", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])

    async def scenario():
        clara, ines = await _open(controller), await _open(admin)
        await clara.receive_json_from()
        assert await ines.receive_json_from() == {"type": "feed.ready", "groups": 2}
        case = await database_sync_to_async(exception_raise)(
            kind="connector.reauthorise", message="refresh token revoked", reference="sap-s4")
        message = await ines.receive_json_from(timeout=5)
        assert (message["id"], message["entity"]) == (case.pk, None)
        assert await clara.receive_nothing(timeout=QUIET)
        await clara.disconnect()
        await ines.disconnect()

    async_to_sync(scenario)()


def test_anonymous_and_roleless_sockets_are_closed_without_joining_anything(entity_de):
    nobody = user_create(username="nora", password=PASSWORD, roles=[], entities=[entity_de])

    async def scenario():
        anonymous, roleless = await _open(), await _open(nobody)
        assert await anonymous.receive_output(timeout=5) == {"type": "websocket.close", "code": 4401}
        assert await roleless.receive_output(timeout=5) == {"type": "websocket.close", "code": 4403}
        await database_sync_to_async(_raise)(entity_de)
        assert await anonymous.receive_nothing(timeout=QUIET)
        assert await roleless.receive_nothing(timeout=QUIET)

    async_to_sync(scenario)()


def test_scope_is_decided_again_on_every_connect(controller, entity_de):
    async def scenario():
        first = await _open(controller)
        assert await first.receive_json_from() == {"type": "feed.ready", "groups": 1}
        await first.disconnect()
        await database_sync_to_async(EntityMembership.objects.filter(user=controller).delete)()

        second = await _open(controller)
        assert await second.receive_json_from() == {"type": "feed.ready", "groups": 0}
        await database_sync_to_async(_raise)(entity_de)
        assert await second.receive_nothing(timeout=QUIET)
        await second.disconnect()

    async_to_sync(scenario)()


def test_a_socket_from_a_foreign_origin_is_refused(controller):
    async def scenario():
        socket = WebsocketClient(application, "/ws/exceptions/", headers=[
            (b"origin", b"https://evil.example"), (b"cookie", await database_sync_to_async(_cookie)(controller))])
        connected, _ = await socket.connect()
        assert not connected

    async_to_sync(scenario)()


def test_row_partial_answers_by_scope_and_by_the_pages_filters(client_for, controller, outsider, entity_de):
    case = _raise(entity_de, "DE-ROW-1")
    clara = client_for(controller)

    row = clara.get(f"/workbench/{case.pk}/row/")
    assert row.status_code == 200
    assert row.templates[0].name == "workbench/_row.html"
    assert f'data-exception-id="{case.pk}"' in row.content.decode()
    assert "DE-ROW-1" in row.content.decode()

    assert clara.get(f"/workbench/{case.pk}/row/?severity=low").status_code == 204  # visible, not on that page
    assert clara.get(f"/workbench/{case.pk}/row/?status=resolved").status_code == 204
    assert client_for(outsider).get(f"/workbench/{case.pk}/row/").status_code == 404  # another entity's case
    assert Client().get(f"/workbench/{case.pk}/row/").status_code == 302  # to the login page
