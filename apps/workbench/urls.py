from django.urls import path

from . import live_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.exception_list, name="list"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("facets/", views.exception_facets, name="facets"),
    path("export.<slug:fmt>", views.exception_export, name="export"),
    path("views/", views.saved_views, name="views"),
    path("views/<int:pk>/delete/", views.saved_view_remove, name="view-delete"),
    path("<int:pk>/", views.exception_detail, name="detail"),
    path("<int:pk>/row/", live_views.exception_row, name="row"),
    path("<int:pk>/replay/preview/", views.replay_preview, name="replay-preview"),
    path("<int:pk>/edits/<int:edit_pk>/review/", views.edit_review, name="edit-review"),
    path("<int:pk>/<slug:name>/", views.case_action, name="action"),
]
