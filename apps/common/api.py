"""API plumbing shared by every app: DomainError → 400/403 JSON, and the capability permission."""

from __future__ import annotations

from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import DomainError, PermissionDenied


def exception_handler(exc, context):
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
