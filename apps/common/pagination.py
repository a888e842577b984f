"""Pagination for every API list: limit/offset with a hard ceiling, so no request can ask for everything."""

from django.conf import settings
from rest_framework.pagination import LimitOffsetPagination

from .counting import bounded_count

MAX_PAGE_SIZE = 500


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """`?limit=` is honoured up to MAX_PAGE_SIZE; larger values are clamped, not refused."""

    max_limit = MAX_PAGE_SIZE


class BoundedCountPagination(BoundedLimitOffsetPagination):
    """Lists of tables of millions of rows (sync records, exceptions): counting stops at an offset-relative bound.

    An exact COUNT(*) of 9,000,000 delivered records takes seconds whatever the index; a client paging through
    needs to know only whether more rows follow. `count` is exact when `count_exact` is true, else a lower bound
    (offset + FINSYNC_API_COUNT_AHEAD, default 10,000); `next` is given whenever rows follow the page."""

    def get_count(self, queryset):
        # DRF counts before it reads the offset, so read it here
        # (clamped: a hostile ?offset=2**63 must not reach LIMIT, which is a bigint)
        bound = min(self.get_offset(self.request) + settings.FINSYNC_API_COUNT_AHEAD, 2**62)
        counted = bounded_count(queryset, bound)
        self.count_exact = not counted.capped
        return counted.value

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_exact"] = self.count_exact
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_exact"] = {
            "type": "boolean", "description": "false: count is a lower bound (more rows follow than it says)"}
        return schema
