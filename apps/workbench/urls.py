from django.urls import path

from . import live_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.exception_list, name="list"),
    path("bulk/", views.bulk_action, name="bulk"),
    path("<int:pk>/", views.exception_detail, name="detail"),
    path("<int:pk>/row/", live_views.exception_row, name="row"),
    path("<int:pk>/replay/preview/", views.replay_preview, name="replay-preview"),
    path("<int:pk>/edits/<int:edit_pk>/review/", views.edit_review, name="edit-review"),
    path("<int:pk>/<slug:name>/", views.case_action, name="action"),
]
