"""Access pages: the user's API tokens (create, shown once; revoke), and user managers' view of all."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.common.errors import DomainError
from apps.common.http import client_ip

from .forms import ApiTokenForm, RevokeForm
from .roles import Capability
from .selectors import api_token_list, can, user_capabilities, visible_entities
from .services import api_token_create, api_token_revoke


@never_cache
def token_list(request):
    """The tokens the user may see, and the form for a new one. The new secret is shown in this response only."""
    form = ApiTokenForm(request.POST or None, capabilities=user_capabilities(request.user),
                        entities=visible_entities(request.user).order_by("code"))
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = api_token_create(actor=request.user, ip_address=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            created = {"token": token, "raw": raw}
            form = ApiTokenForm(capabilities=user_capabilities(request.user),
                                entities=visible_entities(request.user).order_by("code"))
    tokens = api_token_list(user=request.user)
    return render(request, "access/tokens.html", {
        "form": form, "created": created, "tokens": tokens, "now": timezone.now(),
        "manages_users": can(request.user, Capability.MANAGE_USERS)})


@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(api_token_list(user=request.user), pk=pk)
    form = RevokeForm(request.POST)
    try:
        form.is_valid()
        api_token_revoke(token=token, actor=request.user, reason=form.cleaned_data.get("reason", ""),
                         ip_address=client_ip(request))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("token-list")
