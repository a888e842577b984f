from django.urls import path

from . import views

app_name = "mappings"

urlpatterns = [
    path("", views.mapping_list, name="list"),
    path("<int:mapping_pk>/new/", views.mapping_editor, name="new"),
    path("<int:mapping_pk>/versions/<int:version_pk>/edit/", views.mapping_editor, name="edit"),
    path("<int:mapping_pk>/preview/", views.mapping_preview_partial, name="preview"),
    path("<int:mapping_pk>/sample/", views.mapping_sample_partial, name="sample"),
    path("<int:mapping_pk>/import/", views.mapping_import, name="import"),
    path("versions/<int:pk>/", views.mapping_version_detail, name="version"),
    path("versions/<int:pk>/export.json", views.mapping_version_export, {"fmt": "json"}, name="export-json"),
    path("versions/<int:pk>/crosswalks.csv", views.mapping_version_export, {"fmt": "csv"}, name="export-csv"),
]
