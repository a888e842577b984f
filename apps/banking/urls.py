from django.urls import path

from . import views

app_name = "banking"

urlpatterns = [
    path("upload/", views.upload_page, name="upload"),
]
