"""Template context: the user's roles, capabilities and legal entities for the navigation."""

from django.urls import NoReverseMatch, reverse

from .roles import Capability, Role
from .selectors import can, user_roles, visible_entities

# Top navigation, in order: (label, URL name, capability needed or None). An entry appears once its page
# exists (its URL name resolves) and only to users whose role has the capability.
NAV = [
    ("Workbench", "workbench:list", None),
    ("Dashboards", "dashboards", None),
    ("Connectors", "connectors:list", None),
    ("SLAs", "sla:list", None),
    ("Statements", "banking:statements", None),
    ("Bank files", "banking:upload", Capability.IMPORT_BANK_FILES),
    ("Controls", "controls:index", None),
    ("Mappings", "mappings:list", None),
    ("Close", "close:readiness", None),
    ("Catalog", "catalog:list", None),
    ("Audit trail", "audit:list", Capability.VIEW_AUDIT),
]


def _nav(user) -> list[dict]:
    items = []
    for label, name, capability in NAV:
        if capability is not None and not can(user, capability):
            continue
        try:
            items.append({"label": label, "url": reverse(name)})
        except NoReverseMatch:
            continue
    return items


def access(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "finsync_roles": [Role(r).label for r in sorted(roles)],
        "finsync_can": {cap.value: can(user, cap) for cap in Capability},
        "finsync_entities": visible_entities(user),
        "finsync_nav": _nav(user),
    }
