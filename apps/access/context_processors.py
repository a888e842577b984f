"""Template context: the user's roles, capabilities and legal entities for the navigation."""

from django.urls import NoReverseMatch, reverse

from .roles import Capability, Role
from .selectors import can, user_roles, visible_entities

# Top navigation: a few menus, each (label, [(label, URL name, capability needed or None)]). An entry appears
# once its page exists (its URL name resolves) and only to users whose role has the capability; a menu left
# with one entry is shown as that link, an empty one not at all.
NAV = [
    ("Work", [
        ("Workbench", "workbench:list", None),
        ("Dashboards", "dashboards", None),
        ("Close", "close:readiness", None),
        ("My jobs", "jobs:list", None),
    ]),
    ("Bank & cash", [
        ("Statements", "banking:statements", None),
        ("Bank files", "banking:upload", Capability.IMPORT_BANK_FILES),
    ]),
    ("Controls", [
        ("Controls", "controls:index", None),
        ("SLAs", "sla:list", None),
    ]),
    ("Configuration", [
        ("Connectors", "connectors:list", None),
        ("Mappings", "mappings:list", None),
        ("Catalog", "catalog:list", None),
        ("API tokens", "token-list", None),
        ("API", "api-docs", None),
        ("Admin", "admin:index", None),
    ]),
    ("Audit", [
        ("Audit trail", "audit:list", Capability.VIEW_AUDIT),
    ]),
]


def _entries(user, path: str, entries) -> list[dict]:
    items = []
    for label, name, capability in entries:
        if capability is not None and not can(user, capability):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"label": label, "url": url, "current": path.startswith(url)})
    return items


def _nav(user, path: str) -> list[dict]:
    menus = []
    for label, entries in NAV:
        items = _entries(user, path, entries)
        if items:
            menus.append({"label": label, "items": items, "current": any(i["current"] for i in items)})
    return menus


def access(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = user_roles(user)
    return {
        "finsync_roles": [Role(r).label for r in sorted(roles)],
        "finsync_can": {cap.value: can(user, cap) for cap in Capability},
        "finsync_entities": visible_entities(user),
        # A user without a role sees no page, so the navigation offers none.
        "finsync_nav": _nav(user, request.path) if can(user, Capability.VIEW) else [],
    }
