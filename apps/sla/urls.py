from django.urls import path

from . import views

app_name = "sla"

urlpatterns = [
    path("", views.sla_list, name="list"),
    path("propose/", views.sla_propose_view, name="propose"),
    path("versions/<int:pk>/", views.sla_version, name="version"),
]
