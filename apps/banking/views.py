"""Bank pages: upload files (imported in the background) and their history; statements with each line's
reconciliation (why it matched, candidates to pick, manual match, undo); a payment with its match and bank status."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.access.roles import Capability
from apps.access.selectors import can, visible_entities
from apps.common.errors import DomainError
from apps.common.http import client_ip
from apps.jobs.models import Job
from apps.jobs.selectors import job_get, job_log
from apps.jobs.summary import summary_links, summary_notes, summary_rows
from apps.treasury import selectors as treasury_selectors
from apps.treasury.models import PaymentInstruction, ReconciliationMatch
from apps.treasury.reconciliation import reconciliation_confirm, reconciliation_match_manual, reconciliation_undo

from . import selectors
from .choices import UploadStatus
from .filtersets import StatementFilterSet
from .forms import UploadForm
from .models import BankStatement
from .uploads import IncomingFile, bank_files_upload, max_upload_bytes

PAGE_SIZE = 50


def _job_context(request) -> dict:
    """The job just started (``?job=``), when it is the user's, for the progress block."""
    try:
        job = job_get(user=request.user, pk=int(request.GET.get("job", "")))
    except (ValueError, Job.DoesNotExist):
        return {}
    return {"job": job, "log": job_log(job=job), "rows": summary_rows(job.result),
            "links": summary_links(job.result), "notes": summary_notes(job.result)}


def upload_page(request):
    """The upload form (for roles that may import) and the upload history of the user's entities."""
    may_import = can(request.user, Capability.IMPORT_BANK_FILES)
    if request.method == "POST" and not may_import:
        return HttpResponseForbidden("Your role does not allow uploading bank files.")
    form = UploadForm(request.POST or None, request.FILES or None, entities=visible_entities(request.user))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                job = bank_files_upload(
                    files=[IncomingFile(f.name, f) for f in form.cleaned_data["files"]],
                    legal_entity=form.cleaned_data["legal_entity"], actor=request.user,
                    ip_address=client_ip(request))
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                return redirect(f"{reverse('banking:upload')}?job={job.pk}")
        status = 400
    uploads = selectors.upload_list(user=request.user)
    page = Paginator(uploads, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = any(u.status == UploadStatus.PENDING for u in page)
    context = {"form": form, "may_import": may_import, "page": page, "pending": pending,
               "max_mb": max_upload_bytes() // (1024 * 1024), **_job_context(request)}
    template = "banking/_uploads.html" if request.headers.get("HX-Request") else "banking/upload.html"
    return render(request, template, context, status=status)


# --- Statements and reconciliation ---------------------------------------------------------------------------

def statement_list(request):
    """Statements of the user's entities, filtered by the URL (entity, account, dates, kind, reconciliation)."""
    filterset = StatementFilterSet(request.GET, queryset=selectors.statement_queryset(user=request.user))
    page = Paginator(filterset.qs.order_by("-to_date", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "banking/statements.html", {
        "filter": filterset, "page": page, "query": query.urlencode(),
        "accounts": selectors.bank_account_list(user=request.user)})


def statement_detail(request, pk: int):
    try:
        statement = selectors.statement_get(user=request.user, pk=pk)
    except BankStatement.DoesNotExist as exc:
        raise Http404("No such statement") from exc
    return render(request, "banking/statement.html", {
        "statement": statement, "lines": selectors.statement_lines_with_matches(statement=statement),
        "may_reconcile": can(request.user, Capability.RECONCILE)})


def _match_or_404(request, pk: int) -> ReconciliationMatch:
    try:
        return treasury_selectors.reconciliation_matches(user=request.user).get(pk=pk)
    except ReconciliationMatch.DoesNotExist as exc:
        raise Http404("No such match") from exc


def _back(request, fallback: str):
    target = request.POST.get("next", "")
    return redirect(target if url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/")
                    else fallback)


@require_POST
def match_confirm(request, pk: int):
    match = _match_or_404(request, pk)
    try:
        reconciliation_confirm(match=match, actor=request.user, note=request.POST.get("note", ""),
                               ip_address=client_ip(request))
        messages.success(request, f"Candidate #{match.pk} confirmed; the other candidates of its lines are dismissed.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, reverse("banking:statements"))


@require_POST
def match_undo(request, pk: int):
    match = _match_or_404(request, pk)
    try:
        reconciliation_undo(match=match, actor=request.user, reason=request.POST.get("reason", ""),
                            ip_address=client_ip(request))
        messages.success(request, f"Match #{match.pk} undone; its lines are open again and will not be matched to "
                                  "the same payments automatically.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(request, reverse("banking:statements"))


@require_POST
def match_manual(request, pk: int):
    """Match lines of statement ``pk`` to payments named by their end-to-end ids."""
    try:
        statement_url = reverse("banking:statement", args=[selectors.statement_get(user=request.user, pk=pk).pk])
    except BankStatement.DoesNotExist as exc:
        raise Http404("No such statement") from exc
    end_to_end_ids = [part.strip() for part in request.POST.get("end_to_end_ids", "").replace(";", ",").split(",")
                      if part.strip()]
    payment_ids = treasury_selectors.payment_ids_by_end_to_end(user=request.user, end_to_end_ids=end_to_end_ids)
    try:
        if len(payment_ids) != len(set(end_to_end_ids)):
            raise DomainError("No payment of yours has one of these end-to-end ids: " + ", ".join(end_to_end_ids))
        match = reconciliation_match_manual(line_ids=[int(i) for i in request.POST.getlist("line") if i.isdigit()],
                                            payment_ids=payment_ids, actor=request.user,
                                            note=request.POST.get("note", ""), ip_address=client_ip(request))
        messages.success(request, f"Matched by hand (match #{match.pk}).")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(statement_url)


def payment_detail(request, pk: int):
    """A payment with its statement match (or candidates) and what the bank said about it (pain.002 history)."""
    try:
        payment = treasury_selectors.payment_get(user=request.user, pk=pk)
    except PaymentInstruction.DoesNotExist as exc:
        raise Http404("No such payment") from exc
    return render(request, "banking/payment.html", {
        "payment": payment, "matches": treasury_selectors.payment_matches(payment=payment),
        "history": treasury_selectors.payment_status_history(payment=payment),
        "may_reconcile": can(request.user, Capability.RECONCILE)})
