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


def test_every_admin_list_add_and_change_page_renders(admin_client_seeded):
    """One seeded database for all pages (seeding per model would dominate the suite's time)."""
    failures = []
    request = _request_for(admin_client_seeded)
    for model in MODELS:
        opts = model._meta
        base = f"admin:{opts.app_label}_{opts.model_name}"
        urls = [reverse(f"{base}_changelist"), reverse(f"{base}_changelist") + "?q=a"]
        if admin.site._registry[model].has_add_permission(request):
            urls.append(reverse(f"{base}_add"))
        obj = model._default_manager.first()
        if obj is not None:
            urls.append(reverse(f"{base}_change", args=[obj.pk]))
        for url in urls:
            status = admin_client_seeded.get(url).status_code
            if status != 200:
                failures.append((url, status))
    assert failures == []
    assert len(MODELS) >= 25


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
