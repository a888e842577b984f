"""Master data: legal entities, source systems, banks, suppliers and their bank accounts, and the
external-id crosswalk that links every canonical object to its ids in each source system."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models

from apps.common.models import TimeStampedModel
from apps.common.money import CurrencyField, currency_constraint

from .choices import BankAccountStatus, SupplierStatus, SystemKind
from .validators import normalize_iban, normalize_tax_id, validate_bic, validate_country


class LegalEntity(TimeStampedModel):
    """A company of the group that keeps its own books (an SAP company code, a NetSuite subsidiary)."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2, validators=[validate_country])
    functional_currency = CurrencyField("functional currency")
    tax_id = models.CharField(max_length=40, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", help_text="IANA zone for cut-offs and SLAs")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "legal entities"
        constraints = [currency_constraint("functional_currency", "legalentity_currency_iso")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class SourceSystem(TimeStampedModel):
    """An external system of record FinSync talks to (an ERP, Coupa, Kyriba, a bank channel)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=SystemKind.choices)
    vendor = models.CharField(max_length=120, blank=True, help_text="e.g. SAP S/4HANA, Coupa, Kyriba")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Bank(TimeStampedModel):
    """A bank (financial institution) that holds company or supplier accounts."""

    name = models.CharField(max_length=200)
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    country = models.CharField(max_length=2, validators=[validate_country])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["bic"], condition=~models.Q(bic=""), name="bank_bic_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.bic})" if self.bic else self.name


class Supplier(TimeStampedModel):
    """A vendor the legal entity buys from and pays (vendor master record)."""

    legal_entity = models.ForeignKey(LegalEntity, on_delete=models.PROTECT, related_name="suppliers")
    number = models.CharField(max_length=40)
    name = models.CharField(max_length=200, db_index=True)
    country = models.CharField(max_length=2, validators=[validate_country])
    tax_id = models.CharField("tax id", max_length=40, blank=True, help_text="as received")
    tax_id_normalized = models.CharField(max_length=40, blank=True, db_index=True, editable=False)
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    status = models.CharField(max_length=20, choices=SupplierStatus.choices, default=SupplierStatus.ACTIVE)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["legal_entity", "name"]
        constraints = [
            models.UniqueConstraint(fields=["legal_entity", "number"], name="supplier_number_unique_per_entity"),
        ]
        indexes = [
            # Duplicate screening (apps.controls.screening): the name block of an entity and country, and the
            # rows of it changed since the block was last read.
            models.Index(fields=["legal_entity", "country", "updated_at"], name="supplier_screening_block_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def clean(self) -> None:
        if self.tax_id:
            self.tax_id_normalized = normalize_tax_id(self.tax_id, self.country)


class SupplierBankAccount(TimeStampedModel):
    """Where a supplier is paid: IBAN (+BIC) or a local account number with a routing/sort code.

    A new or changed account waits for a second person's approval before payments may use it.
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="bank_accounts")
    iban = models.CharField("IBAN", max_length=34, blank=True, db_index=True)
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    account_number = models.CharField(max_length=34, blank=True)
    routing_number = models.CharField(max_length=20, blank=True, help_text="ABA routing, sort code, BSB…")
    bank_name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, validators=[validate_country])
    currency = CurrencyField()
    status = models.CharField(
        max_length=20, choices=BankAccountStatus.choices, default=BankAccountStatus.PENDING_APPROVAL
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["supplier", "-created_at"]
        constraints = [
            currency_constraint("currency", "supplierbankaccount_currency_iso"),
            models.CheckConstraint(
                condition=~models.Q(iban="") | (~models.Q(account_number="") & ~models.Q(routing_number="")),
                name="supplierbankaccount_iban_or_local",
            ),
            # Maker-checker in the database too: nobody approves their own change.
            models.CheckConstraint(
                condition=models.Q(approved_by__isnull=True)
                | models.Q(requested_by__isnull=True)
                | ~models.Q(approved_by=models.F("requested_by")),
                name="supplierbankaccount_four_eyes",
            ),
        ]
        indexes = [
            # Duplicate screening (apps.controls.screening): a local account with its routing code (no IBAN).
            models.Index(fields=["account_number", "routing_number"], condition=~models.Q(account_number=""),
                         name="supplierbankaccount_local_idx"),
        ]

    def __str__(self) -> str:
        return self.iban or f"{self.routing_number} {self.account_number}"

    def clean(self) -> None:
        if self.iban:
            self.iban = normalize_iban(self.iban)
        elif not (self.account_number and self.routing_number):
            raise ValidationError("Give an IBAN, or a local account number with its routing code.")


class ExternalId(models.Model):
    """Crosswalk: the id a canonical object has in one source system (e.g. SAP document 4900001234)."""

    system = models.ForeignKey(SourceSystem, on_delete=models.PROTECT, related_name="external_ids")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    canonical = GenericForeignKey("content_type", "object_id")
    external_id = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["system", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "content_type", "external_id"], name="externalid_unique_per_system"
            ),
            models.UniqueConstraint(
                fields=["system", "content_type", "object_id"], name="externalid_one_per_object_and_system"
            ),
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="externalid_object_idx")]

    def __str__(self) -> str:
        return f"{self.system.code}:{self.external_id}"
