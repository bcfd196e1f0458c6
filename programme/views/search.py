from urllib.parse import urlencode

from django.http import Http404
from django.views.generic import TemplateView

from programme import queries
from programme.caching.pages import CachedPageMixin
from programme.caching.urls import url_for

MAX_QUERY_LENGTH = 200  # characters; more is a paste, not a search


class SearchView(CachedPageMixin, TemplateView):
    """`/search/?q=&year=&page=`: every published year; results cached per query and data
    version.

    What a visitor can type or edit in the address never fails the page: a long query is
    cut to MAX_QUERY_LENGTH, NUL (which PostgreSQL text cannot hold) is dropped, a page
    that is not a number is the first and one past the end the last. A year that is not
    a published year (1999, a draft, `x`) is a 404, as its pages are."""

    template_name = "programme/search.html"
    cache_query_params = ("q", "year", "page")

    def normalise_param(self, name, value):
        if name == "q":  # "  扩散 " and "扩散" are one search, stored once
            return " ".join(value.replace("\x00", "").split())[:MAX_QUERY_LENGTH].strip()
        return value

    def get_context_data(self, **kwargs):
        query = self.normalise_param("q", self.request.GET.get("q", ""))
        year = self.year_filter()
        page = number(self.request.GET.get("page", "")) or 1
        results = queries.search(query, year=year, page=page)
        if year is not None and year not in results.year_counts:
            raise Http404(f"CSML {year} is not on this site.")
        return super().get_context_data(
            query=query,
            results=results,
            all_years_url=search_url(query),
            year_links=[
                (found_year, n, search_url(query, found_year))
                for found_year, n in results.year_counts.items()
                if n
            ],
            previous_url=search_url(query, year, results.page - 1) if results.page > 1 else "",
            next_url=(
                search_url(query, year, results.page + 1)
                if results.page < results.page_count
                else ""
            ),
            **kwargs,
        )

    def year_filter(self) -> int | None:
        value = self.request.GET.get("year", "")
        if not value:
            return None  # "all years" in the form
        year = number(value)
        if year is None:
            raise Http404("Not a year.")
        return year


def search_url(query: str, year: int | None = None, page: int = 1) -> str:
    """The search page for `query` in `year`, page `page`, with no empty parameters."""
    params = {"q": query, "year": year or "", "page": page if page > 1 else ""}
    return url_for("programme:search") + "?" + urlencode({k: v for k, v in params.items() if v})


def number(value: str) -> int | None:
    """A positive whole number of at most 6 digits written in ASCII, else None."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 6:
        return int(value)
    return None
