"""Maps the one service error type to HTTP answers for pages, so a refused action is never a 500.

Views handle DomainError themselves where they can say something useful (a message on the form);
this is the safety net for the rest: PermissionDenied → 403, any other DomainError → 400.
"""

from __future__ import annotations

from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.utils.html import escape

from .errors import DomainError, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            return HttpResponseForbidden(escape(exception.message))
        if isinstance(exception, DomainError):
            return HttpResponseBadRequest(escape(exception.message))
        return None
