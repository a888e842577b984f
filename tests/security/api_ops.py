"""Every operation of the OpenAPI schema, with a real object filled into its path, for matrix tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.urls import Resolver404, resolve
from drf_spectacular.generators import SchemaGenerator
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apps.access.admin_scoping import entity_path

UNSAFE = {"post", "put", "patch", "delete"}
PARAM = re.compile(r"\{[^}]+\}")


@dataclass
class Operation:
    method: str
    template: str
    url: str
    view: type | None
    action: str | None
    capabilities: tuple[str, ...]  # declared by DRF permission classes (HasCapability)
    allow_any: bool
    entity_id: int | None  # the legal entity of the object in the path, when there is one
    model: type | None = None  # the model behind the path's object, and how to find one elsewhere
    lookup_field: str = "pk"
    entity_lookup: str | None = None

    def url_for_object_outside(self, entity_ids: set[int]) -> str | None:
        """This operation's URL for an object of a legal entity not in `entity_ids` (None if there is none)."""
        if self.model is None or self.entity_lookup is None:
            return None
        obj = (self.model._default_manager.exclude(**{f"{self.entity_lookup}__in": entity_ids})
               .exclude(**{f"{self.entity_lookup}__isnull": True}).order_by("pk").first())
        if obj is None:
            return None
        return PARAM.sub("0", PARAM.sub(str(getattr(obj, self.lookup_field)), self.template, count=1))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.template}"


def schema_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method, path) for path, item in schema["paths"].items() for method in item if method in UNSAFE | {"get"}]


def _permission_classes(callback, method: str):
    initkwargs = getattr(callback, "initkwargs", {}) or {}
    view = callback.cls
    # A viewset may require more for one action (e.g. POST create) than for reading: `permission_classes_by_action`.
    action = (getattr(callback, "actions", None) or {}).get(method)
    by_action = getattr(view, "permission_classes_by_action", {}).get(action)
    return by_action or initkwargs.get("permission_classes") or view.permission_classes


def build_operation(method: str, template: str, superuser) -> Operation:
    url, obj = template, None
    try:
        match = resolve(PARAM.sub("0", template))
    except Resolver404:
        return Operation(method, template, PARAM.sub("0", template), None, None, (), False, None)
    callback = match.func
    view_cls = getattr(callback, "cls", None)
    action = (getattr(callback, "actions", None) or {}).get(method)
    if "{" in template and view_cls is not None and hasattr(view_cls, "get_queryset"):
        view = view_cls()
        view.request = Request(APIRequestFactory().get("/"))
        view.request.user = superuser
        view.kwargs, view.action, view.format_kwarg = {}, action, None
        try:
            obj = view.get_queryset().order_by("pk").first()
        except Exception:  # noqa: BLE001 - a view without a plain queryset: keep the placeholder
            obj = None
        if obj is not None:
            url = PARAM.sub(str(getattr(obj, getattr(view_cls, "lookup_field", None) or "pk")), template, count=1)
    url = PARAM.sub("0", url)
    perms = _permission_classes(callback, method) if view_cls else []
    caps = tuple(p.capability for p in perms if hasattr(p, "capability"))
    allow_any = any(p.__name__ == "AllowAny" for p in perms)
    entity_id, model, entity_lookup = None, None, None
    if obj is not None:
        model = type(obj)
        found = entity_path(model)
        if found:
            entity_lookup = found[0]
            entity_id = model._default_manager.filter(pk=obj.pk).values_list(entity_lookup, flat=True).first()
    return Operation(method, template, url, view_cls, action, caps, allow_any, entity_id, model,
                     getattr(view_cls, "lookup_field", None) or "pk", entity_lookup)
