from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("", views.connector_list, name="list"),
    path("<slug:code>/", views.connector_detail, name="detail"),
    path("<slug:code>/run", views.connector_run, name="run"),
    path("<slug:code>/enabled", views.connector_toggle, name="toggle"),
    path("<slug:code>/test", views.connector_test, name="test"),
    path("<slug:code>/schedule", views.connector_schedule, name="schedule"),
]
