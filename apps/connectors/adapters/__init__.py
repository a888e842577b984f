"""Adapters: one per external system kind. They know protocols, auth and paging, never finance rules.

Register an adapter class with `@register("key")`; `Connector.adapter` names the key.
"""

from .base import REGISTRY, Adapter, get_adapter, register

__all__ = ["REGISTRY", "Adapter", "get_adapter", "register"]
