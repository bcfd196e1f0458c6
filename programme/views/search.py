from django.views.generic import TemplateView

from programme import queries
from programme.caching.pages import CachedPageMixin


class SearchView(CachedPageMixin, TemplateView):
    """`/search/?q=`: every published year; results cached per query and data version."""

    template_name = "programme/search.html"
    cache_query_params = ("q",)

    def get_context_data(self, **kwargs):
        # PostgreSQL text cannot hold NUL; it is never part of a real query.
        query = self.request.GET.get("q", "").replace("\x00", "").strip()[:200]
        return super().get_context_data(query=query, results=queries.search(query))
