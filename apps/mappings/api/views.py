"""Governed mappings over the API: the same services as the pages (drafts, maker-checker, preview,
import/export, diff)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from apps.common.errors import DomainError
from apps.common.http import client_ip
from apps.governance import services as governance
from apps.sync.preview import mapping_preview

from .. import schemas
from ..diff import spec_diff
from ..engine import spec_problems
from ..models import Mapping, MappingVersion
from ..selectors import mapping_overview, mapping_version_previous
from ..services import (
    mapping_draft_create,
    mapping_draft_update,
    mapping_import_crosswalks,
    mapping_import_json,
    mapping_version_in_effect,
)
from ..transfer import crosswalks_to_csv, version_to_json
from .serializers import (
    ChangeSerializer,
    DecisionSerializer,
    DraftSerializer,
    DraftUpdateSerializer,
    ImportSerializer,
    MappingSerializer,
    MappingVersionSerializer,
    PreviewRequestSerializer,
    PreviewSerializer,
    SchemaErrorSerializer,
    SchemaSummarySerializer,
)


class MappingViewSet(viewsets.ReadOnlyModelViewSet):
    """Mappings per source system and object type, with the version in effect and those awaiting review."""

    serializer_class = MappingSerializer
    queryset = Mapping.objects.none()

    def get_queryset(self):
        return Mapping.objects.select_related("source_system")

    def list(self, request, *args, **kwargs):
        mappings = mapping_overview(source_system=request.query_params.get("source_system", ""))
        page = self.paginate_queryset(mappings)
        return self.get_paginated_response(MappingSerializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        mapping = self.get_object()
        overview = mapping_overview(source_system=mapping.source_system.code)
        return Response(MappingSerializer(next(m for m in overview if m.pk == mapping.pk)).data)

    @extend_schema(request=PreviewRequestSerializer, responses=PreviewSerializer)
    @action(detail=True, methods=["post"])
    def preview(self, request, pk=None):
        """What the pipeline would make of `payload`: with unsaved `spec`, a `version`, or the version in effect."""
        mapping = self.get_object()
        params = PreviewRequestSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if "spec" in data:
            if problems := spec_problems(data["spec"]):
                raise DomainError("The mapping cannot run: " + "; ".join(problems), code="invalid_spec",
                                  extra={"problems": problems})
            version = MappingVersion(mapping=mapping, spec=data["spec"],
                                     schema_version=data.get("schema_version", "v1"))
        elif "version" in data:
            version = get_object_or_404(mapping.versions, pk=data["version"])
        else:
            version = mapping_version_in_effect(source_system=mapping.source_system, object_type=mapping.object_type)
            if version is None:
                raise DomainError("No approved version is in effect; give a spec or a version.", code="no_version")
        preview = mapping_preview(version=version, payload=data["payload"])
        return Response(PreviewSerializer({
            "ok": preview.ok, "outcome": preview.outcome, "flow": preview.flow.name if preview.flow else None,
            "canonical": preview.canonical, "mapping_errors": preview.mapping_errors,
            "validation_errors": preview.validation_errors}).data)

    @extend_schema(request=ImportSerializer, responses={201: MappingVersionSerializer})
    @action(detail=True, methods=["post"], url_path="import")
    def import_version(self, request, pk=None):
        """A draft from an exported version (JSON) or from crosswalk rows (CSV) on the version in effect."""
        mapping = self.get_object()
        params = ImportSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        content = params.validated_data["content"]
        if params.validated_data["format"] == "csv":
            version = mapping_import_crosswalks(mapping=mapping, csv_text=content, actor=request.user,
                                                ip_address=client_ip(request))
        else:
            version = mapping_import_json(mapping=mapping, content=content, actor=request.user,
                                          ip_address=client_ip(request))
        return Response(MappingVersionSerializer(version).data, status=status.HTTP_201_CREATED)


class MappingVersionViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Mapping versions: create and edit drafts, then propose; someone else approves or rejects."""

    serializer_class = MappingVersionSerializer
    filterset_fields = ["mapping", "status"]
    queryset = MappingVersion.objects.select_related("mapping__source_system", "proposed_by", "reviewed_by")
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    @extend_schema(request=DraftSerializer, responses={201: MappingVersionSerializer})
    def create(self, request, *args, **kwargs):
        params = DraftSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        version = mapping_draft_create(**params.validated_data, actor=request.user, ip_address=client_ip(request))
        return Response(MappingVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DraftUpdateSerializer, responses=MappingVersionSerializer)
    def update(self, request, *args, **kwargs):
        version = self.get_object()
        params = DraftUpdateSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        version = mapping_draft_update(version=version, **params.validated_data, actor=request.user,
                                       ip_address=client_ip(request))
        return Response(MappingVersionSerializer(version).data)

    def partial_update(self, request, *args, **kwargs):
        version = self.get_object()
        merged = {"spec": version.spec, "schema_version": version.schema_version,
                  "effective_from": version.effective_from, "change_note": version.change_note, **request.data}
        params = DraftUpdateSerializer(data=merged)
        params.is_valid(raise_exception=True)
        version = mapping_draft_update(version=version, **params.validated_data, actor=request.user,
                                       ip_address=client_ip(request))
        return Response(MappingVersionSerializer(version).data)

    def _decide(self, request, service):
        params = DecisionSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        kwargs = {"version": self.get_object(), "actor": request.user, "ip_address": client_ip(request)}
        if service is not governance.version_withdraw:
            kwargs["note"] = params.validated_data["note"]
        return Response(MappingVersionSerializer(service(**kwargs)).data)

    @extend_schema(request=DecisionSerializer, responses=MappingVersionSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        return self._decide(request, governance.version_propose)

    @extend_schema(request=None, responses=MappingVersionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._decide(request, governance.version_withdraw)

    @extend_schema(request=DecisionSerializer, responses=MappingVersionSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._decide(request, governance.version_approve)

    @extend_schema(request=DecisionSerializer, responses=MappingVersionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._decide(request, governance.version_reject)

    @extend_schema(parameters=[OpenApiParameter("against", int, description="version number (default: previous)")],
                   responses=ChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        version = self.get_object()
        against = request.query_params.get("against", "")
        other = (version.mapping.versions.filter(number=int(against)).first() if against.isdigit()
                 else mapping_version_previous(version))
        changes = spec_diff(other.spec if other else None, version.spec)
        return Response(ChangeSerializer([{"kind": c.kind, "section": c.section, "key": c.key, "before": c.before,
                                           "after": c.after} for c in changes], many=True).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        return Response(version_to_json(self.get_object()))

    @extend_schema(responses={(200, "text/csv"): str})
    @action(detail=True, methods=["get"])
    def crosswalks(self, request, pk=None):
        return HttpResponse(crosswalks_to_csv(self.get_object().spec), content_type="text/csv; charset=utf-8")


class CanonicalSchemaViewSet(viewsets.ViewSet):
    """Versioned JSON Schemas of the canonical objects (journal_entry v1, supplier v1, …), and validation of an
    object against one, with each error's path and reason in words."""

    lookup_value_regex = r"[a-z_]+"

    def _summary(self, request, canonical_type: str, version: str) -> dict:
        body = schemas.schema(canonical_type, version)
        return {"canonical_type": canonical_type, "version": version, "title": body.get("title", canonical_type),
                "id": body.get("$id", ""), "url": request.build_absolute_uri(
                    reverse("canonical-schema-version", args=[canonical_type, version]))}

    @extend_schema(responses=SchemaSummarySerializer(many=True))
    def list(self, request):
        return Response(SchemaSummarySerializer([self._summary(request, t, v) for t, v in schemas.available()],
                                                many=True).data)

    @extend_schema(responses=SchemaSummarySerializer(many=True), operation_id="canonical_schema_versions_list")
    def retrieve(self, request, pk=None):
        """The versions of one canonical object."""
        found = [self._summary(request, t, v) for t, v in schemas.available() if t == pk]
        if not found:
            raise NotFound(f"No canonical object {pk!r}.")
        return Response(SchemaSummarySerializer(found, many=True).data)


def _schema_or_404(canonical_type: str, version: str) -> dict:
    try:
        return schemas.schema(canonical_type, version)
    except LookupError as exc:
        raise NotFound(str(exc)) from exc


@extend_schema(responses={200: dict}, operation_id="canonical_schema_version_retrieve")
@api_view(["GET"])
def canonical_schema_version(request, canonical_type: str, version: str):
    """One canonical object's JSON Schema (draft 2020-12) in one version."""
    return Response(_schema_or_404(canonical_type, version))


@extend_schema(request=dict, responses=SchemaErrorSerializer(many=True), operation_id="canonical_schema_validate")
@api_view(["POST"])
def canonical_schema_validate(request, canonical_type: str, version: str):
    """Validate a canonical object: an empty list when it is valid."""
    _schema_or_404(canonical_type, version)
    if not isinstance(request.data, dict):
        raise DomainError("Send the canonical object as a JSON object.", code="invalid_json")
    return Response(SchemaErrorSerializer(schemas.validate(canonical_type, request.data, version), many=True).data)
