"""Light pages: static files as production serves them (collectstatic with WhiteNoise's compressed manifest
storage: hashed names, cached a year, Brotli and gzip made once), and a member's phone pages within 150 KB
transferred on a first visit. Bytes are stable where times are not; `make bench` measures the same pages in
Chromium, slow 3G included (bench/page_weight.py)."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from dangxiao.core.staticfinders import FILES

from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db

BUDGET = 150 * 1024
MEMBER_PAGES = ["/", "/me/schedule/", "/me/hours/", "/checkin/"]
ASSET = re.compile(r'<(?:script[^>]*\bsrc|link[^>]*\bhref)="(/static/[^"]+)"')
MANIFEST_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.fixture(scope="session")
def collected(tmp_path_factory, django_db_blocker):
    """One collectstatic per test session, as a deployment runs it."""
    from django.test import override_settings

    root = tmp_path_factory.mktemp("staticfiles")
    with override_settings(STATIC_ROOT=root, STORAGES=MANIFEST_STORAGES, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture
def production_static(collected, settings):
    settings.STATIC_ROOT = collected
    settings.STORAGES = MANIFEST_STORAGES
    settings.WHITENOISE_USE_FINDERS = False
    settings.WHITENOISE_AUTOREFRESH = False
    return collected


def transferred(client: Client, url: str) -> tuple[int, dict]:
    """The bytes a browser that accepts Brotli receives for one URL, and the response's headers."""
    response = client.get(url, HTTP_ACCEPT_ENCODING="br, gzip, deflate")
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return len(body), response.headers


def test_collectstatic_ships_only_the_vendor_files_the_pages_load(production_static):
    vendor = sorted(
        p.relative_to(production_static / "vendor").as_posix() for p in (production_static / "vendor").rglob("*") if p.is_file()
    )
    assert {name for name in vendor if not re.search(r"\.[0-9a-f]{12}\.|\.(br|gz)$", name)} == set(FILES)


def test_static_files_are_served_hashed_compressed_and_cached_for_a_year(production_static, people):
    client = Client()
    client.force_login(people["users"]["member"])
    page = client.get("/me/schedule/").content.decode()
    js = next(url for url in ASSET.findall(page) if "bootstrap.bundle.min" in url)
    assert re.search(r"bootstrap\.bundle\.min\.[0-9a-f]{12}\.js$", js)
    size, headers = transferred(Client(), js)
    assert headers["Content-Encoding"] == "br" and size < 25_000  # 80 KB as written
    assert "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    response = Client().get(js, HTTP_ACCEPT_ENCODING="gzip")
    assert response.headers["Content-Encoding"] == "gzip"


def test_a_members_phone_pages_stay_under_150_kb_on_a_first_visit(production_static, people):
    school, *_ = make_school(people["tree"])
    make_cohort(school, people["tree"]["C1"])
    client = Client()
    client.force_login(people["users"]["member"])
    for url in MEMBER_PAGES:
        html, _headers = transferred(client, url)
        assets = sorted(set(ASSET.findall(client.get(url).content.decode())))
        assert assets, url
        total = html + sum(transferred(Client(), asset)[0] for asset in assets)
        assert total <= BUDGET, f"{url}: {total / 1024:.0f} KB ({', '.join(assets)})"
        assert not any("echarts" in a for a in assets), f"{url} loads ECharts without a chart"


# DevTools' slow 3G: 2,000 ms per request, then 50,000 B/s. A page that paints from its first response alone, in
# under 40 KB compressed, paints in 2 s + 0.8 s; a linked stylesheet would add a second 2 s (bench/page_weight.py).
FIRST_RESPONSE_BUDGET = 40_000


def test_a_members_phone_page_paints_from_its_first_response(production_static, people):
    school, *_ = make_school(people["tree"])
    make_cohort(school, people["tree"]["C1"])
    client = Client()
    client.force_login(people["users"]["member"])
    for url in MEMBER_PAGES:
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
        assert response.headers["Content-Encoding"] == "gzip", url  # pages are compressed too
        assert len(response.content) <= FIRST_RESPONSE_BUDGET, f"{url}: {len(response.content)} B compressed"
        html = client.get(url).content.decode()
        head = html.split("</head>")[0]
        assert '<link rel="stylesheet"' not in head and ".dx-navbar{" in head, url  # the stylesheet is inline
        # Scripts neither block the first paint nor hold the page: deferred, at the end of the body.
        assert all(" defer" in tag for tag in re.findall(r"<script[^>]*\bsrc=[^>]*>", html)), url
