from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("chain/", views.audit_chain, name="chain"),
    path("export.csv", views.audit_export, name="export"),
    path("<int:pk>/", views.audit_detail, name="detail"),
]
