from django.urls import path

from . import views

app_name = "close"

urlpatterns = [
    path("", views.close_page, name="readiness"),
    path("evidence.csv", views.close_evidence, {"fmt": "csv"}, name="evidence-csv"),
    path("evidence.pdf", views.close_evidence, {"fmt": "pdf"}, name="evidence-pdf"),
]
