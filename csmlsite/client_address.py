"""The client's address: the one place that decides it.

django-axes locks sign-in per username and address (AXES_CLIENT_IP_CALLABLE). Served
directly, the address is REMOTE_ADDR. Behind a reverse proxy, REMOTE_ADDR is the
proxy's for every client: five wrong passwords from anyone would lock the real admin out
for an hour. The proxy passes the peer it saw in X-Forwarded-For, but that header is a
list anyone can start: a client may send `X-Forwarded-For: 1.2.3.4`, and each proxy
appends the address it took the connection from (nginx's `$proxy_add_x_forwarded_for`),
so the attacker's words come first and our proxies' last. Only the last
TRUSTED_PROXY_COUNT entries were written by proxies we run, and the first of those is the
address the outermost of them saw: the client's. Whatever stands before it is the
client's own claim and is never read.

TRUSTED_PROXY_COUNT = 0 (the default) ignores the header altogether: without a proxy
that rewrites it, believing it would let anyone choose the address a lock lands on.
django-ipware can be configured to count the same way, but its defaults read half a
dozen headers and take the left-most entry, the client's claim: a dependency whose
settings must all be right, for what these twenty lines say outright.
"""

from ipaddress import ip_address

from django.conf import settings


def client_address(request) -> str | None:
    remote = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies == 0:
        return remote
    # Several X-Forwarded-For lines arrive joined by commas, in order.
    header = request.META.get("HTTP_X_FORWARDED_FOR", "")
    forwarded = [entry.strip() for entry in header.split(",") if entry.strip()]
    if not forwarded:
        return remote  # straight to the app server, not through the proxy (a health check)
    # Fewer entries than proxies: the request joined the chain past the outermost proxy,
    # and every entry is still one of ours; the first is the earliest peer we know.
    claimed = forwarded[max(len(forwarded) - proxies, 0)]
    try:
        return str(ip_address(claimed))
    except ValueError:
        # Our proxy would not write this: TRUSTED_PROXY_COUNT counts more proxies than
        # there are. Fall back to the address that cannot be forged.
        return remote
