"""Reads of the interface catalog: entries, and the connectors and flows nobody has catalogued yet."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from apps.connectors.models import Connector
from apps.sync.flows import FLOWS

from .models import CatalogEntry


def catalog_entries():
    return CatalogEntry.objects.select_related("connector")


@dataclass(frozen=True)
class Uncatalogued:
    kind: str
    name: str
    code: str


def catalog_gaps() -> list[Uncatalogued]:
    """Connectors and flows with no catalog entry: an inventory is only useful when it is complete."""
    flows_done = set(CatalogEntry.objects.exclude(flow="").values_list("flow", flat=True))
    missing = [Uncatalogued("connector", c.name, c.code)
               for c in Connector.objects.filter(catalog_entry__isnull=True).order_by("name")]
    missing += [Uncatalogued("flow", f.label, f.name) for f in FLOWS.values() if f.name not in flows_done]
    return missing


def catalog_counts() -> dict[str, int]:
    return dict(CatalogEntry.objects.values_list("classification").annotate(n=Count("id")).order_by())


def _known(refs: list[str]) -> list[str]:
    from apps.mappings import schemas

    known = {f"{t} {v}" for t, v in schemas.available()}
    return sorted({r for r in refs if r in known})


def connector_canonical_objects(connector: Connector) -> tuple[list[str], list[str]]:
    """(produces, consumes) as the running configuration says: the canonical objects its system's mappings
    in effect produce, and those of the flows that deliver to a connector of its kind."""
    from apps.mappings.services import mapping_version_in_effect

    produces = []
    for mapping in connector.system.mappings.all():
        version = mapping_version_in_effect(source_system=connector.system, object_type=mapping.object_type)
        produces.append(f"{mapping.canonical_type} {version.schema_version if version else 'v1'}")
    consumes = [f"{f.canonical_type} v1" for f in FLOWS.values() if f.target_kind == connector.kind]
    return _known(produces), _known(consumes)


def flow_canonical_objects(flow) -> tuple[list[str], list[str]]:
    """(produces, consumes) of a flow: it consumes its canonical object and produces what it delivers."""
    return _known([f"{flow.outbound_object_type or flow.canonical_type} v1"]), _known([f"{flow.canonical_type} v1"])
