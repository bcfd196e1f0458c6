"""Sign-in lockouts and X-Forwarded-For: a forged header neither locks nor unlocks anyone.

django-axes locks a username at one address after five failures; the address comes from
csmlsite/client_address.py. Without a trusted proxy (the default) the header is ignored.
Behind the README's nginx (TRUSTED_PROXY_COUNT=1) every request comes from the proxy's
address, and the header holds whatever the client sent followed by the client's real
address, which nginx appends: only that last entry is believed.

Everything goes through the admin's sign-in form, and each check is what the person
sees: signed in (sent on to the admin index) or the locked-out page.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory
from django.urls import reverse

from csmlsite.client_address import client_address

pytestmark = pytest.mark.django_db

PASSWORD = "pw-root-12345"  # noqa: S105 (a test account on the test database)
PROXY = "10.0.0.2"  # nginx, as gunicorn sees it
ATTACKER = "203.0.113.7"
ADMIN = "198.51.100.20"


@pytest.fixture(autouse=True)
def root(settings):
    # A cheap hasher: what is tested is the counting of failures, not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return User.objects.create_superuser("root", "root@example.org", PASSWORD)


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(password: str, *, remote: str, forwarded: str | None = None) -> str:
    """One attempt at /admin/login/ from a fresh browser; what the person sees."""
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    admin_index = reverse("admin:index")
    response = Client().post(
        reverse("admin:login"),
        {"username": "root", "password": password, "next": admin_index},
        headers=headers,
        REMOTE_ADDR=remote,
    )
    if response.status_code == 302 and response.url == admin_index:
        return "signed in"
    if response.status_code == 429 and "<h1>登录失败次数过多</h1>" in response.content.decode():
        return "locked out"
    if response.status_code == 200 and response.context["form"].errors:
        return "wrong password"
    return f"unexpected {response.status_code}"


def five_failures(*, remote: str, forwarded: str | None = None) -> list[str]:
    return [sign_in("wrong", remote=remote, forwarded=forwarded) for _ in range(5)]


LOCKED_ON_THE_FIFTH = ["wrong password"] * 4 + ["locked out"]


# ---------------------------------------------------------------------------
# No trusted proxy (the default): X-Forwarded-For is the client's word and is ignored.


def test_without_a_proxy_a_lock_holds_whatever_forwarded_for_says():
    failures = five_failures(remote=ATTACKER, forwarded="1.2.3.4")

    same_header = sign_in(PASSWORD, remote=ATTACKER, forwarded="1.2.3.4")
    other_header = sign_in(PASSWORD, remote=ATTACKER, forwarded="5.6.7.8")
    no_header = sign_in(PASSWORD, remote=ATTACKER)
    elsewhere = sign_in(PASSWORD, remote=ADMIN)

    assert failures == LOCKED_ON_THE_FIFTH
    assert [same_header, other_header, no_header] == ["locked out"] * 3
    assert elsewhere == "signed in"  # the lock is for the username at that address only


def test_without_a_proxy_forwarded_for_cannot_put_the_lock_on_another_address():
    failures = five_failures(remote=ATTACKER, forwarded=ADMIN)

    admin = sign_in(PASSWORD, remote=ADMIN)
    attacker = sign_in(PASSWORD, remote=ATTACKER, forwarded=ADMIN)

    assert failures == LOCKED_ON_THE_FIFTH
    assert (admin, attacker) == ("signed in", "locked out")


# ---------------------------------------------------------------------------
# Behind nginx: every request comes from PROXY; nginx appends the real peer's address
# to whatever X-Forwarded-For the client sent ($proxy_add_x_forwarded_for).


def test_behind_the_proxy_the_attacker_is_locked_out_and_the_admin_is_not(behind_nginx):
    failures = five_failures(remote=PROXY, forwarded=f"6.6.6.6, {ATTACKER}")

    admin = sign_in(PASSWORD, remote=PROXY, forwarded=ADMIN)
    attacker_again = sign_in(PASSWORD, remote=PROXY, forwarded=f"7.7.7.7, {ATTACKER}")
    attacker_plain = sign_in(PASSWORD, remote=PROXY, forwarded=ATTACKER)

    assert failures == LOCKED_ON_THE_FIFTH
    assert admin == "signed in"
    assert (attacker_again, attacker_plain) == ("locked out", "locked out")


def test_behind_the_proxy_a_forged_admin_address_neither_locks_the_admin_nor_frees_the_attacker(
    behind_nginx,
):
    failures = five_failures(remote=PROXY, forwarded=f"{ADMIN}, {ATTACKER}")

    admin = sign_in(PASSWORD, remote=PROXY, forwarded=ADMIN)
    attacker_as_admin = sign_in(PASSWORD, remote=PROXY, forwarded=f"{ADMIN}, {ATTACKER}")

    assert failures == LOCKED_ON_THE_FIFTH
    assert (admin, attacker_as_admin) == ("signed in", "locked out")


# ---------------------------------------------------------------------------
# The rule itself, on the edges the sign-in tests do not reach.


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "address"),
    [
        (0, PROXY, f"{ADMIN}, {ATTACKER}", PROXY),  # no proxy trusted: the header is ignored
        (1, PROXY, None, PROXY),  # not through the proxy (a health check on the host)
        (1, PROXY, f" {ADMIN} ,{ATTACKER} ", ATTACKER),
        (1, PROXY, "2001:db8::7", "2001:db8::7"),
        (2, "10.0.0.3", f"6.6.6.6, {ATTACKER}, 10.0.0.9", ATTACKER),  # a CDN, then nginx
        (2, "10.0.0.3", ATTACKER, ATTACKER),  # came in past the outer proxy
        (1, PROXY, "6.6.6.6, not-an-address", PROXY),  # no proxy of ours wrote that
    ],
)
def test_the_address_is_the_one_the_outermost_trusted_proxy_saw(
    settings, proxies, remote, forwarded, address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"x-forwarded-for": forwarded} if forwarded is not None else {}
    request = RequestFactory().get("/", headers=headers, REMOTE_ADDR=remote)

    assert client_address(request) == address
