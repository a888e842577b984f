"""The sandbox systems under /sandbox/ (mounted only when settings.FINSYNC_SANDBOX is on)."""

from django.urls import path, re_path

from . import views

app_name = "sandbox"

ERP = "erp/sap/opu/odata4/sap/"

urlpatterns = [
    path("<str:system>/oauth/token", views.token, name="token"),
    # ERP: SAP S/4HANA-shaped OData V4
    path(f"{ERP}api_journalentry/JournalEntry", views.erp_journal_entries, name="erp-journal-entries"),
    re_path(rf"^{ERP}api_journalentry/JournalEntry\('(?P<document>[^']+)'\)$", views.erp_journal_entry,
            name="erp-journal-entry"),
    path(f"{ERP}api_business_partner/A_Supplier", views.erp_suppliers, name="erp-suppliers"),
    re_path(rf"^{ERP}api_business_partner/A_Supplier\('(?P<number>[^']+)'\)$", views.erp_supplier,
            name="erp-supplier"),
    path(f"{ERP}api_payment_status/PaymentStatus", views.erp_payment_status, name="erp-payment-status"),
    re_path(rf"^{ERP}api_payment_status/Payment\('(?P<reference>[^']+)'\)$", views.erp_payment, name="erp-payment"),
    re_path(rf"^{ERP}(?P<service>api_\w+)/\$batch$", views.erp_batch, name="erp-batch"),
    path("erp/_stats", views.erp_stats, name="erp-stats"),
    # Operations system: its event outbox (the same events its webhooks send)
    path("events/v1/events", views.events_list, name="events-list"),
    # Procurement: Coupa-shaped REST
    path("coupa/_touch", views.coupa_touch, name="coupa-touch"),
    path("coupa/api/<str:resource>", views.coupa_list, name="coupa-list"),
    path("coupa/api/<str:resource>/<int:coupa_id>", views.coupa_detail, name="coupa-detail"),
    # Treasury: Kyriba-shaped REST
    path("treasury/commitments", views.treasury_commitments, name="treasury-commitments"),
    path("treasury/_stats", views.treasury_stats, name="treasury-stats"),
    path("treasury/v1/<str:resource>", views.treasury_list, name="treasury-list"),
    # Bank channel API
    path("bank/files", views.bank_files, name="bank-files"),
    path("bank/files/<int:file_id>", views.bank_file_download, name="bank-file"),
    path("bank/payment-orders", views.bank_payment_orders, name="bank-payment-orders"),
    path("bank/payment-orders/<int:file_id>/_respond", views.bank_payment_order_respond, name="bank-respond"),
    path("bank/_stats", views.bank_stats, name="bank-stats"),
]
