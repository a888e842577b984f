from django.urls import path

from . import views

app_name = "controls"

urlpatterns = [
    path("", views.controls_index, name="index"),
    path("settings/propose/", views.control_settings_propose_view, name="settings_propose"),
    path("settings/<int:pk>/", views.control_settings_version, name="settings_version"),
    path("suppliers/duplicates/<int:pk>/", views.supplier_duplicate_review, name="supplier_duplicate"),
    path("suppliers/bank-accounts/", views.bank_account_changes, name="bank_accounts"),
    path("payments/batches/", views.payment_batch_list, name="payment_batches"),
    path("payments/batches/new/", views.payment_batch_new, name="payment_batch_new"),
    path("payments/batches/<int:pk>/", views.payment_batch_detail, name="payment_batch"),
    path("suppliers/duplicate-report/", views.supplier_duplicate_report, name="supplier_duplicate_report"),
]
