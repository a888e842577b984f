"""Top-level URLs: pages, admin, health, API v1 and its OpenAPI schema."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from apps.access.login import ThrottledAdminAuthenticationForm
from apps.common.csp import csp_extend
from apps.common.views import healthz
from apps.sync.metrics_view import metrics

SWAGGER_CDN = "https://cdn.jsdelivr.net"
admin.site.site_header = "FinSync administration"
admin.site.site_title = "FinSync admin"
admin.site.index_title = "Configuration and canonical data"
admin.site.login_form = ThrottledAdminAuthenticationForm

api_v1 = [
    path("", include("apps.masterdata.api.urls")),
    path("", include("apps.sync.api.urls")),
    path("", include("apps.exceptions.api.urls")),
    path("", include("apps.workbench.api.urls")),
    path("", include("apps.connectors.api.urls")),
    path("", include("apps.jobs.api.urls")),
    path("", include("apps.controls.api.urls")),
    path("", include("apps.mappings.api.urls")),
    path("", include("apps.close.api.urls")),
    path("", include("apps.catalog.api.urls")),
    path("", include("apps.banking.api.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The Swagger page is a page for people: anonymous visitors go to the login form. Its init script is
    # a separate request (split view) and its bundle comes from the Swagger UI CDN: the one page whose
    # CSP allows another origin.
    path("docs/", login_required(csp_extend(script_src=[SWAGGER_CDN], style_src=[SWAGGER_CDN], img_src=[SWAGGER_CDN])(
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"))), name="api-docs"),
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("apps.access.urls")),
    path("workbench/", include("apps.workbench.urls")),
    path("connectors/", include("apps.connectors.urls")),
    path("slas/", include("apps.sla.urls")),
    path("controls/", include("apps.controls.urls")),
    path("jobs/", include("apps.jobs.urls")),
    path("audit/", include("apps.audit.urls")),
    path("mappings/", include("apps.mappings.urls")),
    path("close/", include("apps.close.urls")),
    path("catalog/", include("apps.catalog.urls")),
    path("bank/", include("apps.banking.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("apps.dashboard.urls")),
]

if settings.FINSYNC_SANDBOX:
    # Stand-ins for the external systems (apps/sandbox), and the API that configures their faults.
    api_v1.insert(0, path("sandbox/", include("apps.sandbox.api.urls")))
    urlpatterns.insert(-1, path("sandbox/", include("apps.sandbox.urls")))
