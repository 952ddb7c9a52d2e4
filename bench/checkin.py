"""Check-in benchmark: members checking in to one session through the real server, against the stack's floor.

For SQLite and then PostgreSQL, on a scratch database (bench/stack.py: `manage.py migrate`, seeded by
bench/seed_checkin.py, served by gunicorn with the same settings for both):

  floor       wrk on /ping, which answers 200 without the database: what gunicorn + Django + the client
              cost at all. Measured before and after the check-ins; the mean is the floor.
  first pass  1,000 enrolled members each check in once (POST /api/v1/checkin, each request with the next
              member's bearer token and the code on the screen), 50 connections. Every answer must be 201.
  sustained   the same for RUN seconds on a session whose cohort enrols 20,000 members, so that every request
              of the run is still a first check-in (a repeat, 200, costs less and would flatter the numbers).
              This is the steady figure the targets are checked against; the first pass is short (a few
              seconds) and is reported beside it.

wrk drives every run (bench/checkin.lua): a Python client is slower than the server and would flatter the
ratio. The school's policy gets a code step long enough that one code stays valid for the whole run (see
bench/seed_checkin.py); the server runs with DANGXIAO_DEBUG=0 and django-axes on, as deployed.
Server CPU per request is read from /proc: gunicorn's workers, plus PostgreSQL's backends for this database;
the ratio is also given in CPU (floor's CPU per request / a check-in's), steadier when the machine is shared.

Targets: no errors, p99 < 400 ms, throughput ≥ 0.12 × floor on SQLite and ≥ 0.2 × floor on PostgreSQL.
Results go to var/bench/checkin.json. Exit code is 0 either way: this is a report, not a test.

    .venv/bin/python bench/checkin.py              # both databases; BENCH_VENDORS=sqlite for one
    PG_ADMIN_URL=postgres://postgres@127.0.0.1:5432/postgres   # the server for the scratch database
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import ROOT, Stack, cpu_delta  # noqa: E402

FIRST_PASS, SUSTAINED = 1_000, 20_000
CONNECTIONS, WRK_THREADS, RUN = 50, 2, 10
# 2 workers × 4 threads: one process per core, threads to overlap each request's waits on the database,
# and keep-alive. Sync workers (--threads 1) close the connection after every response, so wrk reconnects
# each time: the floor drops to a third and flatters the ratio without serving check-ins any faster.
# 3×2, 2×8 and 1×8 served check-ins within the noise of 2×4 (README "Benchmarks").
WORKERS, THREADS = int(os.environ.get("BENCH_WORKERS", "2")), int(os.environ.get("BENCH_THREADS", "4"))
TARGET_P99_MS, TARGET_RATIO = 400, {"sqlite": 0.12, "postgres": 0.2}
VENDORS = os.environ.get("BENCH_VENDORS", "sqlite,postgres").split(",")
LUA = ROOT / "bench" / "checkin.lua"
SPEC = {
    "members": SUSTAINED,
    "cohorts": {"thousand": FIRST_PASS, "everyone": SUSTAINED},
    "sessions": {"warmup": "everyone", "first_pass": "thousand", "sustained": "everyone"},
}


def wrk(stack: Stack, mode: str, *, duration: int, session: str = "", tokens: Path | None = None) -> dict:
    """One wrk run; its counts, latencies and the server's CPU time over it."""
    env = {**os.environ, "CHECKIN_MODE": mode, "CHECKIN_THREADS": str(WRK_THREADS)}
    path = "/ping"
    if mode != "ping":
        env.update(CHECKIN_TOKENS=str(tokens), CHECKIN_SESSION=str(stack.seeded["sessions"][session]))
        env.update(CHECKIN_CODE=stack.seeded["codes"][session]["token"])
        path = "/api/v1/checkin"
    cmd = ["wrk", f"-t{WRK_THREADS}", f"-c{CONNECTIONS}", f"-d{duration}s", "--timeout", "10s", "--latency", "-s", str(LUA)]
    before, started = stack.cpu_seconds(), time.monotonic()
    proc = subprocess.Popen([*cmd, f"http://127.0.0.1:{stack.port}{path}"], env=env, stdout=subprocess.PIPE, text=True)
    out, finished = [], 0
    for line in proc.stdout:
        out.append(line)
        if line.startswith("CHECKIN_THREAD_DONE"):
            finished += 1
            if finished == WRK_THREADS:  # every member answered: end wrk's fixed-length sleep now
                proc.send_signal(signal.SIGINT)
    proc.wait()
    spent = cpu_delta(before, stack.cpu_seconds())
    wall = time.monotonic() - started
    result = next((json.loads(line.split(" ", 1)[1]) for line in out if line.startswith("CHECKIN_RESULT")), None)
    if proc.returncode or result is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{''.join(out)}")
    requests = result["requests"]
    seconds = result["first_pass_s"] if mode == "once" else result["duration_s"]
    result.update(
        throughput=round((result["created"] if mode == "once" else requests) / seconds, 1),
        errors=sum(result["socket_errors"].values()) + result["failed"] + result["refused"],
        cpu_ms_per_request={k: round(1000 * v / max(requests, 1), 2) for k, v in spent.items()},
        cpu_ms_per_request_total=round(1000 * sum(spent.values()) / max(requests, 1), 2),
        wall_s=round(wall, 2),
    )
    if mode == "ping":  # non-2xx from /ping would be an error too
        result["errors"] = sum(result["socket_errors"].values()) + result["non_2xx_3xx"]
    return result


def bench(vendor: str, scratch: Path) -> dict:
    with Stack(vendor, scratch / vendor, tag="bench") as stack:
        started = time.monotonic()
        seeded = stack.prepare(SPEC)
        tokens = {}
        for name, count in (("thousand", FIRST_PASS), ("everyone", SUSTAINED)):
            tokens[name] = scratch / f"{vendor}-{name}.txt"
            tokens[name].write_text("".join(f"{t} bench-{i}\n" for i, t in enumerate(seeded["tokens"][:count])))
        print(f"  {vendor}: migrated and seeded {SUSTAINED:,} members in {time.monotonic() - started:.0f} s", flush=True)
        stack.start(workers=WORKERS, threads=THREADS)

        # Warm up: each worker imports the URLconf and the API on its first requests (seconds on a busy
        # machine) and each thread opens its database connection.
        wrk(stack, "ping", duration=5)
        wrk(stack, "loop", duration=5, session="warmup", tokens=tokens["everyone"])
        floor_before = wrk(stack, "ping", duration=RUN)
        first = wrk(stack, "once", duration=120, session="first_pass", tokens=tokens["thousand"])
        sustained = wrk(stack, "loop", duration=RUN, session="sustained", tokens=tokens["everyone"])
        floor_after = wrk(stack, "ping", duration=RUN)
        log = stack.log()
        stack.stop()

        tables, sessions = seeded["tables"], seeded["sessions"]
        stored = {
            name: {
                kind: stack.query(f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", (sessions[name],))[0][0]
                for kind, table in tables.items()
            }
            for name in ("first_pass", "sustained")
        }

    floor = round((floor_before["throughput"] + floor_after["throughput"]) / 2, 1)
    ratio = sustained["throughput"] / floor
    # The same comparison in server CPU per request, which other load on the machine disturbs less.
    floor_cpu = (floor_before["cpu_ms_per_request_total"] + floor_after["cpu_ms_per_request_total"]) / 2
    cpu_ratio = floor_cpu / sustained["cpu_ms_per_request_total"]
    errors = first["errors"] + sustained["errors"] + floor_before["errors"] + floor_after["errors"]
    # wrk stops counting when its time is up, but the requests still in flight are served and stored:
    # up to one per connection more rows than 201s. Fewer rows, or a ledger out of step, would be a loss.
    lost = [
        name
        for name, run in (("first_pass", first), ("sustained", sustained))
        if len(set(stored[name].values())) != 1 or not run["created"] <= stored[name]["attendance"] <= run["created"] + CONNECTIONS
    ]
    passed = errors == 0 and not lost and first["created"] == FIRST_PASS and max(first["p99_ms"], sustained["p99_ms"]) < TARGET_P99_MS
    passed = passed and ratio >= TARGET_RATIO[vendor]
    return {
        "database": vendor,
        "floor": {"throughput": floor, "runs": [floor_before, floor_after]},
        "first_pass": first,
        "sustained": sustained,
        "stored_rows": stored,
        "lost": lost,
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "first_pass_ratio": round(first["throughput"] / floor, 3),
        "target_ratio": TARGET_RATIO[vendor],
        "target_p99_ms": TARGET_P99_MS,
        "database_locked_in_log": "database is locked" in log,
        "tracebacks_in_log": log.count("Traceback"),
        "code_step_seconds": seeded["code_step_seconds"],
        "passed": passed,
    }


def show(results: dict) -> None:
    print(f"\nCheck-in through gunicorn (-w {WORKERS} --threads {THREADS}), wrk -t{WRK_THREADS} -c{CONNECTIONS}; floor = GET /ping")
    head = f"{'':11}{'run':12}{'req/s':>9}{'× floor':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'created':>9}{'CPU ms/req':>12}"
    print(head)
    for vendor, r in results.items():
        rows = [
            ("floor", r["floor"]["runs"][0]),
            ("first pass", r["first_pass"]),
            ("sustained", r["sustained"]),
            ("floor", r["floor"]["runs"][1]),
        ]
        for label, run in rows:
            cpu = run["cpu_ms_per_request"]
            cpu_text = f"{cpu['app']:.2f}" + (f"+{cpu['db']:.2f}" if vendor == "postgres" else "")
            created = run["created"] if label != "floor" else ""
            print(
                f"{vendor:11}{label:12}{run['throughput']:>9.0f}{run['throughput'] / r['floor']['throughput']:>9.3f}"
                f"{run['p50_ms']:>9.1f}{run['p99_ms']:>9.1f}{run['errors']:>8}{created:>9}{cpu_text:>12}"
            )
        verdict = "PASS" if r["passed"] else "FAIL" + (f" (rows lost: {r['lost']})" if r["lost"] else "")
        print(
            f"{vendor:11}{'verdict':12}sustained {r['ratio']:.3f}× floor (by CPU {r['cpu_ratio']:.3f}×; target ≥ {r['target_ratio']}), "
            f"p99 < {r['target_p99_ms']} ms, no errors: {verdict}; rows stored {r['stored_rows']}"
        )
    print("CPU ms/req: gunicorn workers (+ PostgreSQL backends). One code valid all run: policy code_step_seconds raised (see JSON).")


LOAD_AT_START = os.getloadavg()


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="dangxiao-bench-checkin-"))
    try:
        results = {vendor: bench(vendor, scratch) for vendor in VENDORS}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    show(results)
    config = {
        "gunicorn": {"workers": WORKERS, "threads": THREADS},
        "wrk": {"threads": WRK_THREADS, "connections": CONNECTIONS, "seconds": RUN},
        "members": {"first_pass": FIRST_PASS, "sustained": SUSTAINED},
        "cpus": os.cpu_count(),
        "loadavg_at_start": LOAD_AT_START,
        "loadavg_at_end": os.getloadavg(),
        "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    out = ROOT / "var" / "bench" / "checkin.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"config": config, **results}, indent=2, ensure_ascii=False))
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
