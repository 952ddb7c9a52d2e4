"""Page-weight benchmark: what a member's phone pages cost on a first visit, in bytes and on a slow link.

The deployed stack on a scratch SQLite database (bench/stack.py): `manage.py migrate`, the demo data
(`seed_demo`, run with DANGXIAO_DEBUG=1 as it refuses a production database, as tests/test_schemathesis.py
does), `collectstatic` into a temporary STATIC_ROOT (WhiteNoise's compressed manifest storage: hashed
names, Brotli and gzip made once), then gunicorn with DANGXIAO_DEBUG=0. Debian's Chromium (never a
downloaded browser) signs in as the demo member (13900000003) and opens each phone page at 390×844 in a
fresh context with the cache disabled (CDP Network.setCacheDisabled), as a first visit:

  bytes     the sum of CDP Network.loadingFinished `encodedDataLength` over every request of the page
            (headers and body as transferred, after compression), unthrottled;
  slow 3G   the same page under DevTools' "Slow 3G" preset (named "3G" in DevTools since 2024) applied
            with CDP Network.emulateNetworkConditions: 50,000 B/s down and up (500 kbit/s × 0.8) and
            2,000 ms latency (400 ms RTT × 5): `Slow3GConditions` in
            ChromeDevTools/devtools-frontend front_end/core/sdk/NetworkManager.ts (Puppeteer's
            PredefinedNetworkConditions["Slow 3G"] has the same figures). Chromium adds that latency to
            every request, so a page with any subresource pays it twice. Times from the Navigation
            Timing entry: first contentful paint, DOMContentLoaded and load (medians of RUNS). The page is
            usable at its first contentful paint: its stylesheet is inlined (core/critical_css.py), and its
            links, forms and menu work before the deferred scripts arrive (tests/e2e/test_light_pages.py).

The budget itself (≤ 150 KB) is a test, tests/test_page_weight.py; this is a report: it prints a table,
writes var/bench/page_weight.json and exits 0.

    .venv/bin/python bench/page_weight.py          # BENCH_PAGE_RUNS=3 slow-3G loads per page by default
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import ROOT, Stack  # noqa: E402

PAGES = ["/", "/me/schedule/", "/me/hours/", "/checkin/"]
PHONE = {"width": 390, "height": 844}
MEMBER, PASSWORD = "13900000003", "Demo@2024"
BUDGET_BYTES, TARGET_MS = 150 * 1024, 3000
RUNS = int(os.environ.get("BENCH_PAGE_RUNS", "3"))
SLOW_3G = {"offline": False, "downloadThroughput": 500 * 1000 / 8 * 0.8, "uploadThroughput": 500 * 1000 / 8 * 0.8, "latency": 400 * 5}
NO_THROTTLING = {"offline": False, "downloadThroughput": -1, "uploadThroughput": -1, "latency": 0}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
CHROMIUM_ARGS += ["--disable-sync", "--no-first-run"]  # as tests/e2e/conftest.py
OUT = ROOT / "var" / "bench" / "page_weight.json"
TIMING = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd, fcp: fcp ? fcp.startTime : null};
}"""


def prepare(stack: Stack, scratch: Path) -> None:
    """Migrate, seed the demo and collect the static files into the scratch directory; the server then
    runs with a settings module that only points STATIC_ROOT there."""
    static_root = scratch / "static"
    (scratch / "bench_page_weight_settings.py").write_text(
        f"from dangxiao.settings import *  # noqa\n\nSTATIC_ROOT = {str(static_root)!r}\n"
    )
    stack.env.update(DJANGO_SETTINGS_MODULE="bench_page_weight_settings", PYTHONPATH=f"{scratch}{os.pathsep}{ROOT}")
    manage = [str(ROOT / ".venv" / "bin" / "python"), "manage.py"]
    stack._run([*manage, "migrate", "--noinput", "--skip-checks", "-v0"])
    stack._run([*manage, "collectstatic", "--noinput", "-v0"])
    debug_env, stack.env = stack.env, {**stack.env, "DANGXIAO_DEBUG": "1"}
    try:
        stack._run([*manage, "seed_demo"])
    finally:
        stack.env = debug_env


def sign_in(browser, base: str) -> dict:
    context = browser.new_context(base_url=base, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = context.new_page()
    page.goto("/accounts/login/")
    page.fill("#id_username", MEMBER)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    if "/accounts/login/" in page.url:
        raise RuntimeError(f"signing in as {MEMBER} failed: still on {page.url}")
    state = context.storage_state()
    context.close()
    return state


def visit(browser, base: str, state: dict, path: str, conditions: dict) -> dict:
    """One first visit: a fresh context holding only the session cookie, cache disabled."""
    context = browser.new_context(base_url=base, viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai", storage_state=state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    requests, finished = {}, {}
    cdp.on("Network.requestWillBeSent", lambda e: requests.setdefault(e["requestId"], e["request"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]))
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", conditions)
    response = page.goto(path, wait_until="load", timeout=120_000)
    if response is None or response.status != 200 or "/accounts/login/" in page.url:
        raise RuntimeError(f"{path}: {response and response.status} at {page.url}")
    page.wait_for_load_state("networkidle", timeout=120_000)  # late requests (htmx) count too
    timing = page.evaluate(TIMING)
    context.close()
    # data: URLs (Bootstrap's inline icons) cost nothing on the wire and are left out.
    by_url = {url: size for rid, size in finished.items() if not (url := requests.get(rid, rid)).startswith("data:")}
    return {"bytes": sum(by_url.values()), "requests": len(by_url), "by_url": by_url, **timing}


def measure(base: str) -> list[dict]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        raise RuntimeError("Chromium is not installed (apt-get install -y chromium); no browser is downloaded")
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            state = sign_in(browser, base)
            for path in PAGES:
                visit(browser, base, state, path, NO_THROTTLING)  # warm the server (templates, connections)
                fast = visit(browser, base, state, path, NO_THROTTLING)
                slow = [visit(browser, base, state, path, SLOW_3G) for _ in range(RUNS)]
                rows.append(
                    {
                        "page": path,
                        "bytes": fast["bytes"],
                        "requests": fast["requests"],
                        "by_url": {url.removeprefix(base): size for url, size in sorted(fast["by_url"].items(), key=lambda kv: -kv[1])},
                        "slow3g_bytes": [s["bytes"] for s in slow],
                        "slow3g_fcp_ms": round(statistics.median(s["fcp"] or 0 for s in slow)),
                        "slow3g_dcl_ms": round(statistics.median(s["dcl"] for s in slow)),
                        "slow3g_load_ms": round(statistics.median(s["load"] for s in slow)),
                        "slow3g_load_ms_runs": [round(s["load"]) for s in slow],
                    }
                )
                print(f"  {path}: {fast['bytes']:,} B in {fast['requests']} requests", flush=True)
        finally:
            browser.close()
    return rows


def main() -> int:
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="dangxiao-page-weight-"))
    try:
        with Stack("sqlite", scratch, tag="pages") as stack:
            prepare(stack, scratch)
            print(f"  migrated, seeded the demo and collected static files in {time.monotonic() - started:.0f} s", flush=True)
            stack.start(workers=2, threads=4)
            rows = measure(f"http://127.0.0.1:{stack.port}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    print()
    print(f"{'page':<15} {'bytes':>9} {'KB':>7} {'req':>4}  {'slow 3G: FCP':>12} {'DCL':>7} {'load':>7}")
    for r in rows:
        kb = r["bytes"] / 1024
        print(
            f"{r['page']:<15} {r['bytes']:>9,} {kb:>7.1f} {r['requests']:>4}  "
            f"{r['slow3g_fcp_ms']:>10} ms {r['slow3g_dcl_ms']:>4} ms {r['slow3g_load_ms']:>4} ms"
            f"{'' if r['bytes'] <= BUDGET_BYTES else '  over 150 KB'}"
            f"{'' if r['slow3g_fcp_ms'] <= TARGET_MS else '  not usable within 3 s'}"
        )
    print(
        f"\nBudget {BUDGET_BYTES // 1024} KB transferred per page; slow 3G is 50,000 B/s with 2,000 ms per request, "
        f"so a page and its subresources need at least 2 × 2 s before `load`. Medians of {RUNS} slow-3G loads.\n"
        f"Usable = the first contentful paint (target {TARGET_MS} ms): the page paints from its first response, its "
        "stylesheet inlined, and works before its scripts arrive (tests/e2e/test_light_pages.py)."
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "pages": rows,
                "budget_bytes": BUDGET_BYTES,
                "target_ms": TARGET_MS,
                "slow_3g": SLOW_3G,
                "runs": RUNS,
                "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    print(f"Results in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
