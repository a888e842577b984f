"""Pagination for every API list: limit/offset with a hard ceiling, so no request can ask for everything."""

from rest_framework.pagination import LimitOffsetPagination

MAX_PAGE_SIZE = 500


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is honoured up to MAX_PAGE_SIZE; larger values are clamped, not refused."""

    max_limit = MAX_PAGE_SIZE
