"""Personas for the controls: two integration admins (maker and checker) of the German entity, and two
group-wide admins who may change the defaults for every entity."""

from __future__ import annotations

import pytest

from apps.access.roles import Role
from apps.access.services import user_create
from tests.conftest import PASSWORD


@pytest.fixture
def maker(entity_de):
    return user_create(username="ida", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def checker(entity_de):
    return user_create(username="ivo", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN], entities=[entity_de])


@pytest.fixture
def group_maker(entity_de, entity_us):
    return user_create(username="gina", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN],
                       entities=[entity_de, entity_us])


@pytest.fixture
def group_checker(entity_de, entity_us):
    return user_create(username="gus", password=PASSWORD, roles=[Role.INTEGRATION_ADMIN],
                       entities=[entity_de, entity_us])


@pytest.fixture(autouse=True)
def _fresh_name_index():
    """The screening's in-process name index must not remember suppliers of an earlier test's rollback."""
    from apps.controls.screening import name_index_clear

    name_index_clear()
    yield
    name_index_clear()
