"""Every websocket route, every role, real ASGI application and Redis channel layer: a socket receives the events
of its legal entities only (cases without an entity only where the role configures connectors); anonymous sockets,
role-less users and API tokens (not a browser session) are refused and receive nothing."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.test import Client

from apps.access.roles import ACCESS_MATRIX, Capability, Role
from apps.access.services import api_token_create, user_create
from apps.exceptions.services import exception_raise
from finsync.asgi import application
from finsync.routing import websocket_urlpatterns
from tests.conftest import PASSWORD
from tests.websocket import WebsocketClient

pytestmark = pytest.mark.django_db(transaction=True)
QUIET = 1.0  # seconds of silence after which a socket has received everything it will
FEEDS = {"ws/exceptions/"}  # the routes this test knows how to drive (all of them must be here)


def test_every_websocket_route_is_covered():
    assert {str(p.pattern) for p in websocket_urlpatterns} == FEEDS


def _cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def _open(path: str, headers: list) -> tuple[WebsocketClient, dict]:
    socket = WebsocketClient(application, f"/{path}", headers=[(b"origin", b"http://127.0.0.1"), *headers])
    connected, _ = await socket.connect()
    assert connected  # the feed accepts, then says why it closes (the page tells "sign in" from "offline")
    return socket, await socket.receive_output(timeout=5)


async def _drain(socket: WebsocketClient) -> list[dict]:
    got = []
    while True:
        try:
            got.append(await socket.receive_json_from(timeout=QUIET))
        except TimeoutError:
            return got


def _people(entity_de, entity_us) -> dict:
    people = {role: user_create(username=f"ws-{role}", password=PASSWORD, roles=[role], entities=[entity_de])
              for role in Role.values}
    people["controller of US"] = user_create(username="ws-us", password=PASSWORD, roles=[Role.CONTROLLER],
                                             entities=[entity_us])
    people["auditor of both"] = user_create(username="ws-both", password=PASSWORD, roles=[Role.AUDITOR],
                                            entities=[entity_de, entity_us])
    people["no role"] = user_create(username="ws-none", password=PASSWORD, roles=[], entities=[entity_de])
    return people


@pytest.mark.parametrize("path", sorted(FEEDS))
def test_each_role_receives_only_its_entities_events(path, entity_de, entity_us):
    people = _people(entity_de, entity_us)
    _token, raw = api_token_create(actor=people[Role.CONTROLLER], name="feed", capabilities=[Capability.VIEW],
                                   legal_entities=[entity_de], expires_in_days=5)
    cookies = {name: _cookie(user) for name, user in people.items()}

    def expected_entities(name: str, user) -> set:
        entities = {entity_us.pk} if name == "controller of US" else {entity_de.pk}
        entities |= {entity_us.pk} if name == "auditor of both" else set()
        roles = user.groups.values_list("name", flat=True)
        return entities | ({None} if any(Capability.CONFIGURE in ACCESS_MATRIX[r] for r in roles) else set())

    expected = {name: expected_entities(name, user) for name, user in people.items() if name != "no role"}

    def raise_all():
        return {exception_raise(kind="invoice.duplicate", message=f"Invoice {code} duplicates", reference=code,
                                legal_entity=entity).pk: (entity.pk if entity else None)
                for code, entity in [("DE-1", entity_de), ("US-1", entity_us), ("NONE-1", None)]}

    async def scenario():
        sockets = {name: await _open(path, [(b"cookie", cookie)]) for name, cookie in cookies.items()}
        sockets["anonymous"] = await _open(path, [])
        sockets["API token, no session"] = await _open(path, [(b"authorization", f"Bearer {raw}".encode())])
        cases = await database_sync_to_async(raise_all)()
        return cases, {name: (first, await _drain(socket)) for name, (socket, first) in sockets.items()}

    cases, seen = async_to_sync(scenario)()

    for name, entities in expected.items():
        first, events = seen[name]
        assert first["type"] == "websocket.send", name
        assert {cases[e["id"]] for e in events} == entities, name
        assert {e["entity"] for e in events} == entities, name
    for name, code in [("anonymous", 4401), ("API token, no session", 4401), ("no role", 4403)]:
        first, events = seen[name]
        assert (first, events) == ({"type": "websocket.close", "code": code}, []), name
