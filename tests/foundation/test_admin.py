"""Every admin list, add and change page renders, with demo data in place."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.demo.services import demo_seed

pytestmark = pytest.mark.django_db

MODELS = sorted(admin.site._registry, key=lambda m: m._meta.label)


@pytest.fixture
def admin_client_seeded(client):
    demo_seed()
    client.force_login(get_user_model().objects.get(username="admin"))
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_pages_render(admin_client_seeded, model):
    opts = model._meta
    changelist = admin_client_seeded.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200, opts.label

    searched = admin_client_seeded.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"), {"q": "a"})
    assert searched.status_code == 200

    model_admin = admin.site._registry[model]
    if model_admin.has_add_permission(_request_for(admin_client_seeded)):
        add = admin_client_seeded.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
        assert add.status_code == 200

    obj = model._default_manager.first()
    if obj is not None:
        change = admin_client_seeded.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200
        assert str(obj)[:20].split("&")[0] in change.content.decode() or opts.model_name in change.content.decode()


def _request_for(client):
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="admin")
    return request


def test_auditor_sees_admin_read_only(client):
    demo_seed()
    client.force_login(get_user_model().objects.get(username="auditor"))
    response = client.get(reverse("admin:masterdata_supplier_changelist"))
    assert response.status_code == 200
    assert b"Add supplier" not in response.content
    add = client.get(reverse("admin:masterdata_supplier_add"))
    assert add.status_code == 403
