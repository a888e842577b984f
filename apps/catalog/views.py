"""The interface catalog page: filters in the URL, classification counts, and what is not catalogued yet."""

from __future__ import annotations

from django.shortcuts import render

from .choices import Classification
from .filtersets import CatalogEntryFilterSet
from .selectors import catalog_counts, catalog_entries, catalog_gaps


def catalog_list(request):
    filterset = CatalogEntryFilterSet(request.GET or None, queryset=catalog_entries())
    counts = catalog_counts()
    return render(request, "catalog/list.html", {
        "filterset": filterset, "entries": filterset.qs, "gaps": catalog_gaps(),
        "counts": [(c, counts.get(c.value, 0)) for c in Classification],
        "filtered": any(v for k, v in request.GET.items())})
