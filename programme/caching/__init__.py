"""Caching, in one place: what is kept, under which version, and what retires it.

Everything kept is keyed on a version `deploy id : data version of its scope`:

- The deploy id (deploy.py) names the release of the code that built it: DEPLOY_ID from
  the environment (the release's git commit, set by the deploy), or a fingerprint of the
  code, templates, static files and translations, the same on every server of a release.
- The data versions (versions.py) are rows of programme.models.DataVersion, bumped by
  database triggers (migration 0012) whoever writes: one per year, and an overall one for
  pages that span years (the archive, a person, search). A change takes the next overall
  number and gives it to each year it touches, so an edit to 2025 leaves 2024's pages and
  book alone, and a number never repeats. A page's `Stamp` is its scope and version.

What is kept, and where:

- Pages (pages.py): the first middleware keeps each storable response,
  headers and all, in Django's default cache: per process (store.py, bounded in bytes)
  or shared by every app server (CACHE_URL=redis://, bounded by Redis's maxmemory; with
  Redis down, pages are rendered as if nothing were stored). A stored page is served
  before the rest of the middleware runs while its scope's version is unchanged. The key
  is the deploy id, scheme, host, path, the query in canonical order and the encoding; a
  query with parameters a view does not read (`cache_query_params`), or not in their
  canonical form, is redirected to the canonical URL before anything is read, so
  made-up URLs cost a redirect and are never stored. Views answer If-None-Match (weak
  ETags of deploy id, version and language) and If-Modified-Since with 304 before
  rendering.
- Year programmes (programmes.py): the four-query read every page of a year is built
  from, kept per process for the year's current version: after an edit only the first
  page of the year reads it again.
- Public URLs (urls.py): `reverse()` remembered per name, arguments and language.
- Programme books (books.py): PDFs in the database (BuiltBook) for every app process,
  current while their deploy id and year version are. A committed change (and every
  migrate, and a reader finding a stale book) asks for one print task a few seconds
  later (BOOK_PRINT_DELAY), so a burst of edits prints once; the task (django-tasks,
  database backend, `manage.py db_worker`) prints only the stale years' books. A web
  request never prints: it serves the stored book (stale ones uncached) or a 503 asking
  to retry, and the PDF never enters the page store (it is large).

- Visitors' browsers (programme/static/programme/sw.js): after one visit the service
  worker keeps the year's offline set, the URLs `/<year>/offline.json` lists (itself a
  cached page of the year, its `version` the same deploy id and year version). It asks
  the network first, revalidating with the ETags above, and falls back to its copy only
  when the network does not answer. A change to a year changes every page's ETag, so the
  next refresh of the set (at most every 10 minutes) fetches it whole.

The servers run the WSGI application of front.py: whitenoise answers static files there,
and a stored page the feed (below) says is current is answered there too, before Django's
request handling starts (a third of a warm page's cost); every other request reaches
Django, where the middleware above answers or stores it.

The versions a warm page is checked against come from this process's copy (feed.py),
which PostgreSQL keeps current (LISTEN/NOTIFY from the same triggers): a warm page costs
no query. When the copy cannot be trusted (its listener lost, the database restarting)
the page asks the database, and when the database cannot answer either, the stored page
is served as it is.
"""
