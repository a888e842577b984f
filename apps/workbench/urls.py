from django.urls import path

from . import live_views, views

app_name = "workbench"

urlpatterns = [
    path("", views.exception_list, name="list"),
    path("<int:pk>/", views.exception_detail, name="detail"),
    path("<int:pk>/row/", live_views.exception_row, name="row"),
]
