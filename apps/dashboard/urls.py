from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboards/", views.dashboard, name="dashboards"),
    path("dashboards/widgets/<slug:name>/", views.widget, name="dashboard-widget"),
    path("dashboards/<slug:slug>/", views.dashboard, name="dashboard"),
]
