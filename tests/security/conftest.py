"""Security test fixtures: a system admin persona and API clients authenticated by token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.access.roles import Role
from apps.access.services import user_create

from ..conftest import PASSWORD


@pytest.fixture
def system_admin(entity_de, entity_us):
    return user_create(username="sasha", password=PASSWORD, roles=[Role.SYSTEM_ADMIN], entities=[entity_de, entity_us])


@pytest.fixture
def integration_admin(entity_de):
    return user_create(username="ivan", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def token_client():
    def make(raw: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return client

    return make
