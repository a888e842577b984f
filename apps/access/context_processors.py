"""Template context: the user's roles, capabilities and legal entities for the navigation."""

from django.urls import NoReverseMatch, reverse

from .roles import Capability, Role
from .selectors import can, user_roles, visible_entities

# Top navigation, in order. An entry appears once its page exists (its URL name resolves).
NAV = [
    ("Workbench", "workbench:list"),
    ("Dashboards", "dashboards"),
    ("Connectors", "connectors:list"),
    ("SLAs", "sla:list"),
    ("Bank files", "banking:upload"),
    ("Controls", "controls:index"),
    ("Mappings", "mappings:list"),
]


def _nav() -> list[dict]:
    items = []
    for label, name in NAV:
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
        "finsync_nav": _nav(),
    }
