from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [path("", views.connector_list, name="list")]
