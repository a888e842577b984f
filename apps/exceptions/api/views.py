from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.access.roles import Capability
from apps.common.api import capability
from apps.common.http import client_ip
from apps.common.pagination import BoundedCountPagination
from apps.exceptions import services
from apps.exceptions.filtersets import ExceptionFilterSet
from apps.exceptions.selectors import exception_queryset

from .serializers import (
    AssignSerializer,
    ExceptionDetailSerializer,
    ExceptionSerializer,
    IgnoreSerializer,
    ResolveSerializer,
)


class ExceptionViewSet(viewsets.ReadOnlyModelViewSet):
    """Business exceptions of the caller's legal entities; filter by every dimension, act on one."""

    filterset_class = ExceptionFilterSet
    pagination_class = BoundedCountPagination  # an exact count of 1,000,000 cases was 40 of a page's 67 ms

    def get_queryset(self):
        return exception_queryset(user=self.request.user).select_related("legal_entity", "source_system", "owner")

    def get_serializer_class(self):
        return ExceptionDetailSerializer if self.action == "retrieve" else ExceptionSerializer

    def _respond(self, case):
        return Response(ExceptionDetailSerializer(case).data)

    @extend_schema(request=ResolveSerializer, responses=ExceptionDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RESOLVE)])
    def resolve(self, request, pk=None):
        params = ResolveSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return self._respond(services.exception_resolve(case=self.get_object(), actor=request.user,
                                                        ip_address=client_ip(request), **params.validated_data))

    @extend_schema(request=IgnoreSerializer, responses=ExceptionDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RESOLVE)])
    def ignore(self, request, pk=None):
        params = IgnoreSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return self._respond(services.exception_ignore(case=self.get_object(), actor=request.user,
                                                       ip_address=client_ip(request), **params.validated_data))

    @extend_schema(request=AssignSerializer, responses=ExceptionDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RESOLVE)])
    def assign(self, request, pk=None):
        params = AssignSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        return self._respond(services.exception_assign(case=self.get_object(), owner=params.validated_data["owner"],
                                                       actor=request.user, ip_address=client_ip(request)))

    @extend_schema(request=None, responses=ExceptionDetailSerializer)
    @action(detail=True, methods=["post"], permission_classes=[capability(Capability.RESOLVE)])
    def claim(self, request, pk=None):
        return self._respond(services.exception_claim(case=self.get_object(), actor=request.user,
                                                      ip_address=client_ip(request)))
