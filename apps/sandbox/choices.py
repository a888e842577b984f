from django.db import models


class SandboxSystem(models.TextChoices):
    """The external systems the sandbox stands in for; each has its own fault profile and credentials."""

    ERP = "erp", "ERP general ledger (SAP S/4HANA-shaped)"
    COUPA = "coupa", "Procurement suite (Coupa-shaped)"
    TREASURY = "treasury", "Treasury (Kyriba-shaped)"
    BANK = "bank", "Bank channel (API)"


class CoupaResource(models.TextChoices):
    SUPPLIER = "suppliers", "Suppliers"
    PURCHASE_ORDER = "purchase_orders", "Purchase orders"
    RECEIPT = "receipts", "Receiving transactions"
    INVOICE = "invoices", "Invoices"


class TreasuryResource(models.TextChoices):
    PAYMENT = "payment", "Executed payment"
    CASH_POSITION = "cash_position", "Cash position"


class BankFileKind(models.TextChoices):
    STATEMENT = "statement", "Statement (camt.053 / MT940)"
    STATUS = "status", "Payment status report (pain.002)"
    PAYMENT_ORDER = "payment_order", "Payment order upload (pain.001)"


class BankFileFormat(models.TextChoices):
    CAMT053 = "camt.053", "camt.053"
    MT940 = "mt940", "MT940"
    PAIN002 = "pain.002", "pain.002"
    PAIN001 = "pain.001", "pain.001"
