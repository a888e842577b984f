"""API plumbing shared by every app: DomainError → 400/403 JSON, and the capability permission."""

from __future__ import annotations

from django.db import DataError
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, PermissionDenied


def exception_handler(exc, context):
    # A filter value the database cannot hold (an id of 10**197): the caller's mistake, not a 500.
    # Found by schemathesis (tests/security/test_api_fuzz.py); bounded id filters would refuse it earlier.
    if isinstance(exc, OverflowError | DataError):
        return Response({"code": "out_of_range", "detail": "A number in the request is out of range."},
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"code": exc.code, "detail": exc.message}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DomainError):
        return Response({"code": exc.code, "detail": exc.message, **exc.extra}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def capability(cap: str) -> type[permissions.BasePermission]:
    """A DRF permission class requiring one capability of the access matrix."""
    from apps.access.selectors import can

    class HasCapability(permissions.BasePermission):
        message = f"Your role does not allow this ({cap})."
        capability = cap  # read by the access-matrix tests

        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and can(request.user, cap))

    HasCapability.__name__ = f"Has{cap.title().replace('_', '')}"
    return HasCapability
