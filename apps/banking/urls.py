from django.urls import path

from . import views

app_name = "banking"

urlpatterns = [
    path("upload/", views.upload_page, name="upload"),
    path("statements/", views.statement_list, name="statements"),
    path("statements/<int:pk>/", views.statement_detail, name="statement"),
    path("statements/<int:pk>/match", views.match_manual, name="match_manual"),
    path("matches/<int:pk>/confirm", views.match_confirm, name="match_confirm"),
    path("matches/<int:pk>/undo", views.match_undo, name="match_undo"),
    path("payments/<int:pk>/", views.payment_detail, name="payment"),
]
