"""Model rules and database constraints of the canonical finance model."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, transaction

from apps.banking.models import CompanyBankAccount
from apps.ledger.models import AccountingPeriod, GLAccount, JournalEntry, JournalLine
from apps.masterdata.models import Bank, ExternalId, LegalEntity, SourceSystem, Supplier, SupplierBankAccount
from apps.procurement.models import SupplierInvoice, normalize_invoice_number
from apps.treasury.models import PaymentBatch, PaymentInstruction

pytestmark = pytest.mark.django_db


def _refused(create, errors=IntegrityError) -> None:
    with pytest.raises(errors), transaction.atomic():
        create()


def test_currency_must_be_three_upper_case_letters_in_the_database():
    _refused(lambda: LegalEntity.objects.create(code="X1", name="X", country="DE", functional_currency="eu"))
    # PostgreSQL refuses the 4th character by column width (DataError); SQLite by the check constraint.
    _refused(lambda: LegalEntity.objects.create(code="X2", name="X", country="DE", functional_currency="EURO"),
             (IntegrityError, DataError))
    assert not LegalEntity.objects.exists()


def test_currency_and_country_validators_use_iso_lists():
    entity = LegalEntity(code="X1", name="X", country="XX", functional_currency="ABC")
    with pytest.raises(ValidationError) as info:
        entity.full_clean()
    assert set(info.value.message_dict) == {"country", "functional_currency"}


@pytest.fixture
def supplier(entity_de):
    return Supplier.objects.create(legal_entity=entity_de, number="V1", name="Siemens AG", country="DE")


def test_supplier_number_unique_per_entity(entity_de, entity_us, supplier):
    _refused(lambda: Supplier.objects.create(legal_entity=entity_de, number="V1", name="Other", country="DE"))
    Supplier.objects.create(legal_entity=entity_us, number="V1", name="Other", country="US")
    assert Supplier.objects.count() == 2


def test_supplier_tax_id_is_validated_and_normalized_with_stdnum(supplier):
    supplier.tax_id = "de 136 695 976"
    supplier.full_clean()
    assert supplier.tax_id_normalized == "DE136695976"
    supplier.tax_id = "DE136695977"
    with pytest.raises(ValidationError, match="Invalid tax id"):
        supplier.full_clean()


def test_supplier_bank_account_iban_validated_with_schwifty(supplier):
    account = SupplierBankAccount(supplier=supplier, iban="de89 3704 0044 0532 0130 00", country="DE", currency="EUR")
    account.full_clean()
    assert account.iban == "DE89370400440532013000"
    account.iban = "DE89370400440532013001"
    with pytest.raises(ValidationError, match="Invalid IBAN"):
        account.full_clean()


def test_supplier_bank_account_needs_iban_or_local_account(supplier):
    _refused(lambda: SupplierBankAccount.objects.create(supplier=supplier, country="US", currency="USD",
                                                        account_number="123"))
    SupplierBankAccount.objects.create(supplier=supplier, country="US", currency="USD", account_number="123",
                                       routing_number="021000021")
    assert supplier.bank_accounts.count() == 1


def test_bank_account_change_cannot_be_approved_by_its_requester(supplier, controller):
    _refused(lambda: SupplierBankAccount.objects.create(
        supplier=supplier, country="DE", currency="EUR", iban="DE89370400440532013000",
        requested_by=controller, approved_by=controller))
    assert not SupplierBankAccount.objects.exists()


def test_journal_line_is_debit_or_credit_never_both_and_never_negative(entity_de):
    account = GLAccount.objects.create(legal_entity=entity_de, code="6100", name="IT", account_type="expense")
    entry = JournalEntry.objects.create(legal_entity=entity_de, number="JE1", posting_date=date(2026, 11, 2),
                                        document_date=date(2026, 11, 2))

    def line(no, **amounts):
        return lambda: JournalLine.objects.create(entry=entry, line_no=no, account=account, currency="EUR", **amounts)

    _refused(line(1, debit=Decimal("10"), credit=Decimal("10")))
    _refused(line(2, debit=Decimal("-10")))
    _refused(line(3, credit=Decimal("5"), fx_rate=Decimal("0")))
    line(4, debit=Decimal("10.1234"))()
    assert list(entry.lines.values_list("debit", flat=True)) == [Decimal("10.1234")]


def test_period_end_not_before_start_and_unique(entity_de):
    _refused(lambda: AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=1,
                                                     start_date=date(2026, 1, 31), end_date=date(2026, 1, 1)))
    AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=1, start_date=date(2026, 1, 1),
                                    end_date=date(2026, 1, 31))
    _refused(lambda: AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=1,
                                                     start_date=date(2026, 1, 1), end_date=date(2026, 1, 31)))
    _refused(lambda: AccountingPeriod.objects.create(legal_entity=entity_de, fiscal_year=2026, number=14,
                                                     start_date=date(2026, 1, 1), end_date=date(2026, 1, 31)))


@pytest.mark.parametrize(("a", "b"), [("INV-00123", "inv 123"), ("2026/0042", "2026-0042"), ("A.B-7", "ab7")])
def test_invoice_numbers_normalize_like_a_clerk_reads_them(a, b):
    assert normalize_invoice_number(a) == normalize_invoice_number(b)


def test_same_invoice_from_same_supplier_is_refused_however_it_is_spelled(entity_de, supplier):
    def invoice(number):
        return lambda: SupplierInvoice.objects.create(
            legal_entity=entity_de, supplier=supplier, number=number, invoice_date=date(2026, 11, 1),
            due_date=date(2026, 12, 1), currency="EUR", net_amount=Decimal("100"), tax_amount=Decimal("19"),
            gross_amount=Decimal("119"))

    invoice("INV-0042")()
    _refused(invoice("inv 42"))
    assert SupplierInvoice.objects.get().normalized_number == "INV42"


@pytest.fixture
def company_account(entity_de):
    bank = Bank.objects.create(name="Commerzbank", bic="COBADEFFXXX", country="DE")
    return CompanyBankAccount.objects.create(legal_entity=entity_de, bank=bank, name="EUR operating",
                                             iban="DE89370400440532013000", currency="EUR")


def test_payment_batch_creator_can_never_release_it(entity_de, company_account, treasury_operator, controller):
    def batch(ref, released_by):
        return lambda: PaymentBatch.objects.create(
            legal_entity=entity_de, reference=ref, debtor_account=company_account,
            requested_execution_date=date(2026, 11, 27), currency="EUR", created_by=treasury_operator,
            released_by=released_by)

    _refused(batch("B1", treasury_operator))
    batch("B2", controller)()
    assert list(PaymentBatch.objects.values_list("reference", flat=True)) == ["B2"]


def test_payment_amount_positive_and_end_to_end_id_unique(entity_de):
    def payment(e2e, amount, key):
        return lambda: PaymentInstruction.objects.create(
            legal_entity=entity_de, end_to_end_id=e2e, idempotency_key=key, amount=amount, currency="EUR",
            creditor_name="Siemens AG", requested_date=date(2026, 11, 27))

    _refused(payment("E1", Decimal("0"), "k0"))
    payment("E1", Decimal("10.00"), "k1")()
    _refused(payment("E1", Decimal("10.00"), "k2"))
    _refused(payment("E2", Decimal("10.00"), "k1"))
    assert PaymentInstruction.objects.count() == 1


def test_external_id_crosswalk_is_unique_per_system_and_object(entity_de, supplier):
    sap = SourceSystem.objects.create(code="sap", name="SAP", kind="gl")
    coupa = SourceSystem.objects.create(code="coupa", name="Coupa", kind="procurement")
    ExternalId.objects.create(system=sap, canonical=supplier, external_id="100042")
    ExternalId.objects.create(system=coupa, canonical=supplier, external_id="77")
    _refused(lambda: ExternalId.objects.create(system=sap, canonical=supplier, external_id="100043"))
    assert {x.external_id for x in ExternalId.objects.all()} == {"100042", "77"}
    assert ExternalId.objects.get(system=coupa).canonical == supplier
