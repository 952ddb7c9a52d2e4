"""Roster import benchmark: how far `services.roster_import` is from the cost of just loading the data.

It builds a 10,000-row roster in the template's columns (valid, varied, deterministic), then measures
  (a) the real import, `roster_import(superuser, data)`, committing into an empty member table;
  (b) the floor: openpyxl's streaming reader (read_only, values_only) and one `bulk_create` of the same
      rows, with only the conversions no import can skip (label → code, organisation code → id);
  (c) a second import of the same file, which must create and update nothing.
The floor is the floor because any import has to read every cell of the .xlsx and insert every row;
everything above it is validation, normalisation and matching. Target: (a) ≤ 3 × (b).
(a) and (b) run interleaved, RUNS times each, on a freshly emptied table, and the medians are compared,
so a busy machine slows both alike; this process's CPU time is reported too, as a steadier cross-check
(it leaves out PostgreSQL's own work). Peak memory comes from one more run of each under tracemalloc, which
slows Python down and is therefore kept out of the timings.

SQLite in a temporary directory by default; BENCH_DATABASE_URL=postgres://user@host/any uses that server,
in a scratch database `dangxiao_bench` created and dropped here. Results also go to
var/bench/roster_import.json. Exit code is 0 either way: this is a report, not a test.
"""

import gc
import json
import os
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
import zipfile
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ROWS, RUNS, SEED, TARGET = 10_000, 3, 20240701, 3.0
BENCH_DB = "dangxiao_bench"
PG_URL = os.environ.get("BENCH_DATABASE_URL")

os.environ.pop("DATABASE_URL", None)  # never benchmark against whatever database the shell points at
os.environ["DANGXIAO_VAR_DIR"] = SCRATCH = tempfile.mkdtemp(prefix="dangxiao-bench-")  # the SQLite file lands there
os.environ.update(DJANGO_SETTINGS_MODULE="dangxiao.settings", DANGXIAO_DEBUG="0", SECRET_KEY=secrets.token_hex(32))
sys.path.insert(0, str(ROOT))


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(urlunsplit(urlsplit(PG_URL)._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


if PG_URL:
    pg_admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    pg_admin(f"CREATE DATABASE {BENCH_DB}")
    os.environ["DATABASE_URL"] = urlunsplit(urlsplit(PG_URL)._replace(path=f"/{BENCH_DB}"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from openpyxl import Workbook, load_workbook  # noqa: E402

from dangxiao.people.models import Member, Organization, User  # noqa: E402
from dangxiao.people.normalize import ID_CHECK, ID_WEIGHTS  # noqa: E402
from dangxiao.people.roster import COLUMNS  # noqa: E402
from dangxiao.people.services import roster_import  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌辉鹏飞宇浩然思雨欣怡晨阳海燕春"
JOBS = [job.split(":") for job in "党政机关:公务员 教育:教师 医疗卫生:医生 外卖配送:外卖骑手 快递物流:快递员 制造业:工程师 :退休".split()]
COMPOUNDS = "湘江世纪城 芙蓉苑 望月湖小区 桃花岭社区 左家塘小区 锦绣华庭 枫林绿洲".split()
EDUCATIONS = "研究生 大学本科 本科 大专 中专 高中 初中及以下".split()


def spell(rng: random.Random, d: date):
    """A date as people type it: a date cell, 1985-3-1, 1985年3月1日 or 1985.03."""
    return rng.choice([d, f"{d.year}-{d.month}-{d.day}", f"{d.year}年{d.month}月{d.day}日", f"{d.year}.{d.month:02d}"])


def roster_xlsx(branches: list[Organization]) -> bytes:
    rng, phones, ids = random.Random(SEED), set(), set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员名单")
    ws.append([c.header for c in COLUMNS])
    while len(phones) < ROWS:
        phone, male = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}", rng.random() < 0.55
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 63))
        body = f"430103{birth:%Y%m%d}{rng.randrange(0, 999, 2) + male:03d}"  # 17th digit odd for men
        if phone in phones or body in ids:
            continue
        phones.add(phone)
        ids.add(body)
        joined = min(birth + timedelta(days=rng.randrange(18 * 365, 45 * 365)), date(2025, 6, 30))
        (industry, occupation), mobile, org = rng.choice(JOBS), rng.random() < 0.05, rng.choice(branches)
        row = {
            "name": rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))),
            "gender": "男" if male else "女",
            "birth_date": spell(rng, birth) if rng.random() < 0.9 else None,  # blank: taken from the ID number
            "ethnicity": "汉族" if rng.random() < 0.92 else rng.choice(["土家族", "苗族", "侗族", "瑶族"]),
            "education": rng.choice(EDUCATIONS),
            "joined_party_on": spell(rng, joined),
            "status": "预备党员" if joined.year >= 2025 else "正式党员",
            "organization_name": org.name,
            "organization_code": org.code,
            "occupation": occupation,
            "industry": industry,
            "phone": phone if rng.random() < 0.8 else int(phone),  # some typed as numbers
            "id_number": body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11],
            "home_compound": rng.choice(COMPOUNDS),
            "address": f"长沙市天心区{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋{rng.randint(101, 2804)}室",
            "is_mobile": "是" if mobile else "否",
            "mobile_location": rng.choice(["广东深圳", "浙江杭州", "上海浦东"]) if mobile else None,
            "is_elderly_infirm": "是" if birth.year < 1950 and rng.random() < 0.5 else "否",
            "is_organ_worker": "是" if industry == "党政机关" else "否",
            "is_new_employment": "是" if industry in ("外卖配送", "快递物流") else "否",
            "position": rng.choice(["书记", "副书记", "委员", "党务工作者"]) if rng.random() < 0.08 else None,
        }
        ws.append([row[c.key] for c in COLUMNS])
    buffer = BytesIO()
    wb.save(buffer)
    return as_saved_by_excel(buffer.getvalue(), f"A1:U{ROWS + 1}")


NS = "http://schemas.openxmlformats.org"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
PATCHES = {  # register the shared-string part the way Excel does
    "[Content_Types].xml": ("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}" /></Types>'),
    "xl/_rels/workbook.xml.rels": (
        "</Relationships>",
        f'<Relationship Type="{NS}/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml" Id="rIdSST" /></Relationships>',
    ),
}


def as_saved_by_excel(data: bytes, ref: str) -> bytes:
    """Move openpyxl's inline strings into a shared-string table and add the sheet's <dimension>, as Excel
    and WPS save an upload. openpyxl's own output reads about twice as slowly and would flatter the ratio."""
    strings, out = {}, BytesIO()
    cell = re.compile(r'<c r="(\w+)"( s="\d+")? t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>')
    src = zipfile.ZipFile(BytesIO(data))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            text = src.read(name).decode()
            if name == "xl/worksheets/sheet1.xml":
                text = cell.sub(lambda m: f'<c r="{m[1]}"{m[2] or ""} t="s"><v>{strings.setdefault(m[3], len(strings))}</v></c>', text)
                text = text.replace("<sheetViews>", f'<dimension ref="{ref}" /><sheetViews>', 1)
            elif name in PATCHES:
                text = text.replace(*PATCHES[name])
            dst.writestr(name, text)
        items = "".join(f"<si><t>{t}</t></si>" for t in strings)  # already XML-escaped by openpyxl
        dst.writestr("xl/sharedStrings.xml", f'<sst xmlns="{NS}/spreadsheetml/2006/main" uniqueCount="{len(strings)}">{items}</sst>')
    return out.getvalue()


def floor_load(data: bytes) -> int:
    """Stream the rows with openpyxl and bulk_create them; only the conversions no import can skip."""
    orgs = dict(Organization.objects.values_list("code", "id"))
    code = {str(label): value for e in (Member.Gender, Member.Status, Member.Education, Member.Position) for value, label in e.choices}
    wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = next(rows)
    keys = [c.key for c in COLUMNS if c.header in header]
    members = []
    for cells in rows:
        v = dict(zip(keys, cells + (None,) * len(keys)))  # trailing blank cells are not stored
        v.update({k: v[k] == "是" for k in ("is_mobile", "is_elderly_infirm", "is_organ_worker", "is_new_employment")})
        v.update({k: code.get(v[k] or "", "") for k in ("gender", "status", "education", "position")})
        v.update({k: v[k].date() if hasattr(v[k], "date") else None for k in ("birth_date", "joined_party_on")})
        v.update({k: v[k] or "" for k in ("occupation", "industry", "mobile_location")})
        v.update(phone=str(v["phone"]), organization_id=orgs[v.pop("organization_code")])
        del v["organization_name"]
        members.append(Member(**v))
    wb.close()
    with transaction.atomic():
        Member.objects.bulk_create(members, batch_size=500)
    return len(members)


def run_once(fn, *, reset=None, traced=False) -> tuple[float, float, float, object]:
    """(wall seconds, this process's CPU seconds, tracemalloc peak in MiB or 0, result)."""
    if reset:
        reset()
    gc.collect()
    if traced:
        tracemalloc.start()
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else 0.0
    tracemalloc.stop()
    return elapsed, cpu, peak, out


def main() -> None:
    call_command("migrate", verbosity=0)
    K, U, tree = Organization.Kind, list(Organization.UnitType), Organization.objects
    root = tree.add_root(instance=Organization(name="城南路街道党工委", code="BENCH", kind=K.WORKING_COMMITTEE, unit_type=U[0]))
    branches = [
        tree.add_child(root, instance=Organization(name=f"第{i}党支部", code=f"ZB{i:02d}", kind=K.BRANCH, unit_type=U[i % len(U)]))
        for i in range(1, 21)
    ]
    user = User.objects.create(username="bench-root", is_superuser=True, is_staff=True)
    data = roster_xlsx(branches)

    def clear() -> None:  # plain DELETE: the bench creates nothing that refers to members
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Member._meta.db_table}")

    def real_import() -> dict:
        result = roster_import(user, data)
        if result.errors or not result.committed:
            sys.exit(f"benchmark data rejected, fix the generator: {result.errors[:5]}")
        return {k: v for k, v in result.as_dict().items() if k != "errors"}

    cases = {"import": real_import, "floor": lambda: floor_load(data)}
    runs = {name: [] for name in [*cases, "reimport"]}
    for _ in range(RUNS):  # interleaved, so load from elsewhere on the machine hits both alike
        for name, fn in cases.items():
            runs[name].append(run_once(fn, reset=clear))
    runs["import"].append(run_once(real_import, reset=clear, traced=True))
    runs["floor"].append(run_once(cases["floor"], reset=clear, traced=True))
    real_import()  # the table now holds one import's rows; importing again should change nothing
    runs["reimport"] = [run_once(real_import, traced=traced) for traced in [False] * RUNS + [True]]

    report = {"rows": ROWS, "database": connection.vendor, "file_kib": len(data) // 1024, "target_ratio": TARGET}
    for name, results in runs.items():
        timed, (*_, peak, result) = results[:-1], results[-1]
        report[name] = {
            "seconds": round(median(r[0] for r in timed), 3),
            "cpu_seconds": round(median(r[1] for r in timed), 3),
            "runs": [round(r[0], 3) for r in timed],
            "peak_mib": round(peak, 1),
            "result": result,
        }
    ratio = report["import"]["seconds"] / report["floor"]["seconds"]
    cpu_ratio = report["import"]["cpu_seconds"] / report["floor"]["cpu_seconds"]  # steadier on a busy machine
    report.update(ratio=round(ratio, 2), cpu_ratio=round(cpu_ratio, 2), passed=ratio <= TARGET)
    out = ROOT / "var" / "bench" / "roster_import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))

    print(f"\nRoster import, {ROWS:,} rows ({report['file_kib']} KiB .xlsx) on {connection.vendor}, median of {RUNS} runs")
    print(f"{'':16}{'wall (s)':>10}{'CPU (s)':>10}{'peak MiB':>10}  result")
    for label, name in (("import (a)", "import"), ("floor (b)", "floor"), ("re-import (c)", "reimport")):
        m = report[name]
        print(f"{label:16}{m['seconds']:>10.2f}{m['cpu_seconds']:>10.2f}{m['peak_mib']:>10.1f}  {m['result']}")
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"{'ratio (a)/(b)':16}{ratio:>10.2f}{cpu_ratio:>10.2f}{'':10}  target ≤ {TARGET:g}× (wall): {verdict}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    finally:
        connections.close_all()
        shutil.rmtree(SCRATCH, ignore_errors=True)
        if PG_URL:
            pg_admin(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
