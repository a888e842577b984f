from django.urls import path

from . import views

app_name = "workbench"

urlpatterns = [
    path("", views.exception_list, name="list"),
    path("<int:pk>/", views.exception_detail, name="detail"),
]
