"""Control pages: control settings (in effect, propose, review), possible duplicate suppliers (side by side,
merge / link / accept as new) and supplier bank-account changes awaiting a second person."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError, PermissionDenied
from apps.common.http import client_ip
from apps.exceptions.choices import OPEN_STATUSES
from apps.exceptions.models import ExceptionCase
from apps.governance.choices import VersionStatus
from apps.governance.views import version_decision_post, version_review_rights
from apps.treasury.choices import BatchStatus
from apps.treasury.models import PaymentBatch

from .forms import ControlSettingsForm, EnteredPaymentFormSet, PaymentBatchForm
from .models import ControlSettingsVersion
from .payments import EnteredPayment, payment_batch_release, payment_batch_submit, payment_hold_release
from .selectors import (
    control_settings_awaiting_review,
    control_settings_by_entity,
    control_settings_for,
    control_settings_version_get,
    control_settings_versions,
    debtor_accounts,
    duplicate_case_get,
    payment_batch_get,
    payment_batches,
    payments_awaiting_batch,
    pending_bank_accounts,
)
from .services import (
    control_settings_approve,
    control_settings_propose,
    control_settings_reject,
    control_settings_withdraw,
)
from .suppliers import (
    supplier_bank_account_approve,
    supplier_bank_account_reject,
    supplier_duplicate_decide,
    supplier_duplicate_report_start,
)


def controls_index(request):
    entities = list(visible_entities(request.user).order_by("code"))
    in_effect = control_settings_by_entity([None] + [e.pk for e in entities])
    scopes = [{"entity": e, "settings": in_effect[e.pk if e else None],
               "inherits": e is not None and in_effect[e.pk].version == in_effect[None].version}
              for e in [None, *entities]]
    proposals = control_settings_versions(user=request.user).filter(status=VersionStatus.PROPOSED)
    return render(request, "controls/index.html", {
        "scopes": scopes, "awaiting": control_settings_awaiting_review(user=request.user),
        "proposals": proposals, "can_configure": can(request.user, Capability.CONFIGURE)})


def control_settings_propose_view(request):
    entities = list(visible_entities(request.user).order_by("code"))
    if request.method == "POST":
        form = ControlSettingsForm(request.POST, entities=entities)
        if form.is_valid():
            try:
                version = control_settings_propose(
                    legal_entity=form.entity(), terms=form.terms(), change_note=form.cleaned_data["change_note"],
                    effective_from=form.cleaned_data["effective_from"], actor=request.user,
                    ip_address=client_ip(request))
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{version} proposed. Someone else who may configure controls must "
                                          "approve it before it runs.")
                return redirect("controls:settings_version", pk=version.pk)
    else:
        scope = request.GET.get("entity", "")
        entity = next((e for e in entities if str(e.pk) == scope), None)
        initial = ControlSettingsForm.initial_from(control_settings_for(entity))
        initial["legal_entity"] = str(entity.pk) if entity else ""
        form = ControlSettingsForm(initial=initial, entities=entities)
    return render(request, "controls/propose.html", {
        "form": form, "can_configure": can(request.user, Capability.CONFIGURE)})


def control_settings_version(request, pk: int):
    try:
        version = control_settings_version_get(user=request.user, pk=pk)
    except ControlSettingsVersion.DoesNotExist as exc:
        raise Http404("No such control settings version") from exc
    if request.method == "POST":
        return version_decision_post(request, version=version, back="controls:settings_version", decisions={
            "withdraw": control_settings_withdraw, "approve": control_settings_approve,
            "reject": control_settings_reject})
    current = control_settings_for(version.legal_entity)
    siblings = control_settings_versions(user=request.user).filter(legal_entity=version.legal_entity)
    return render(request, "controls/version.html", {
        "version": version, "current": current,
        **version_review_rights(request.user, version),
        "history": siblings.order_by("-number")})


# --- Supplier master governance -----------------------------------------------------------------------------

def supplier_duplicate_review(request, pk: int):
    """A supplier held as a possible duplicate, beside its candidates, with merge / link / accept as new."""
    try:
        case = duplicate_case_get(user=request.user, pk=pk)
    except ExceptionCase.DoesNotExist as exc:
        raise Http404("No such possible duplicate supplier") from exc
    if request.method == "POST":
        target = request.POST.get("supplier", "")
        try:
            decision = supplier_duplicate_decide(
                case=case, decision=request.POST.get("decision", ""), actor=request.user,
                supplier_id=int(target) if target.isdigit() else None, note=request.POST.get("note", ""),
                ip_address=client_ip(request))
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{decision.get_decision_display()}: the held record is being processed "
                                      "again with your decision.")
        return redirect("controls:supplier_duplicate", pk=pk)
    return render(request, "controls/supplier_duplicate.html", {
        "case": case, "incoming": case.details.get("incoming", {}),
        "can_decide": can(request.user, Capability.RESOLVE) and case.status in OPEN_STATUSES})


def bank_account_changes(request):
    """Supplier bank accounts awaiting a second person's approval."""
    if request.method == "POST":
        account = pending_bank_accounts(user=request.user).filter(pk=request.POST.get("account") or 0).first()
        if account is None:
            raise Http404("No such pending bank account")
        try:
            if request.POST.get("decision") == "approve":
                supplier_bank_account_approve(account=account, actor=request.user, note=request.POST.get("note", ""),
                                              ip_address=client_ip(request))
                messages.success(request, f"Bank account {account} of {account.supplier} approved.")
            else:
                supplier_bank_account_reject(account=account, actor=request.user, note=request.POST.get("note", ""),
                                             ip_address=client_ip(request))
                messages.success(request, f"Bank account {account} of {account.supplier} rejected.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("controls:bank_accounts")
    return render(request, "controls/bank_accounts.html", {
        "pending": pending_bank_accounts(user=request.user),
        "can_approve": can(request.user, Capability.APPROVE_BANK_DETAILS)})


# --- Payment batches ----------------------------------------------------------------------------------------

def payment_batch_list(request):
    return render(request, "controls/batches.html", {
        "batches": payment_batches(user=request.user)[:200],
        "can_create": can(request.user, Capability.RELEASE_PAYMENTS)})


def payment_batch_new(request):
    """Create a batch: pick payment instructions awaiting one and/or type payments in; someone else releases it.
    A hidden idempotency key made when the form is first shown makes a resubmitted form create nothing twice."""
    if not can(request.user, Capability.RELEASE_PAYMENTS):
        raise PermissionDenied("Your role does not allow you to create payment batches.")
    choices = {"accounts": debtor_accounts(user=request.user), "payments": payments_awaiting_batch(user=request.user)}
    form = PaymentBatchForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex}, **choices)
    entered = EnteredPaymentFormSet(request.POST or None, prefix="entered")
    if request.method == "POST" and form.is_valid() and entered.is_valid():
        data = form.cleaned_data
        try:
            batch, created = payment_batch_submit(
                debtor_account=data["debtor_account"], requested_execution_date=data["requested_execution_date"],
                picked=list(data["payments"]), reference=data["reference"], idempotency_key=data["idempotency_key"],
                entered=[EnteredPayment(**row) for row in entered.cleaned_data if row], actor=request.user,
                ip_address=client_ip(request))
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Batch {batch.reference} created: someone else must release it." if created
                             else f"Batch {batch.reference} was already created from this form.")
            return redirect("controls:payment_batch", pk=batch.pk)
    return render(request, "controls/batch_new.html", {"form": form, "entered": entered})


def payment_batch_detail(request, pk: int):
    """A batch with its payments; release it (not its creator) or release a payment's hold."""
    try:
        batch = payment_batch_get(user=request.user, pk=pk)
    except PaymentBatch.DoesNotExist as exc:
        raise Http404("No such payment batch") from exc
    if request.method == "POST":
        try:
            if request.POST.get("action") == "release":
                payment_batch_release(batch=batch, actor=request.user, ip_address=client_ip(request))
                messages.success(request, f"Batch {batch.reference} released: it can be sent to the bank.")
            elif request.POST.get("action") == "release_hold":
                payment = next((p for p in batch.payments.all() if str(p.pk) == request.POST.get("payment")), None)
                if payment is None:
                    raise Http404("No such payment in this batch")
                payment_hold_release(payment=payment, actor=request.user, note=request.POST.get("note", ""),
                                     ip_address=client_ip(request))
                messages.success(request, f"Hold on {payment.end_to_end_id} released.")
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("controls:payment_batch", pk=pk)
    may_release = can(request.user, Capability.RELEASE_PAYMENTS)
    return render(request, "controls/batch.html", {
        "batch": batch, "can_release_holds": may_release,
        "can_release": may_release and batch.status == BatchStatus.PENDING_RELEASE
        and batch.created_by_id != request.user.pk})


def supplier_duplicate_report(request):
    """Start the pairwise duplicate report of one entity's suppliers; its progress page shows the pairs."""
    if request.method != "POST":
        return redirect("controls:index")
    entity = visible_entities(request.user).filter(pk=request.POST.get("entity") or 0).first()
    if entity is None:
        raise Http404("No such legal entity")
    try:
        job = supplier_duplicate_report_start(legal_entity=entity, actor=request.user, ip_address=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("controls:index")
    return redirect("jobs:detail", pk=job.pk)
