"""Roster import benchmark: how far `services.roster_import` is from the cost of just loading the data.

It builds a 10,000-row roster in the template's columns (valid, varied, deterministic), then measures
  (a) the real import, `roster_import(superuser, data)`, committing into an empty member table;
  (b) the floor: openpyxl's streaming reader (read_only, values_only) plus one `bulk_create` of the
      same rows, with only the conversions no import can skip (label → code, organisation code → id);
  (c) a second import of the same file, which must create and update nothing.
The floor is the floor because any import has to read every cell of the .xlsx and insert every
row; everything above it is validation, normalisation and matching. Target: (a) ≤ 3 × (b).
Times are medians of untraced runs; peak memory comes from one extra run under tracemalloc (which
slows Python down, so it is kept out of the timings).

SQLite in a temporary directory by default; BENCH_DATABASE_URL=postgres://user@host/db uses that
server, in a scratch database `dangxiao_bench` created and dropped here. Results also go to
var/bench/roster_import.json. Exit code is 0 either way: this is a report, not a test.
"""

import gc
import json
import os
import random
import secrets
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from io import BytesIO
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
ROWS, RUNS, SEED, TARGET = 10_000, 3, 20240701, 3.0
BENCH_DB = "dangxiao_bench"

os.environ["DANGXIAO_VAR_DIR"] = tempfile.mkdtemp(prefix="dangxiao-bench-")
os.environ.update(DJANGO_SETTINGS_MODULE="dangxiao.settings", DANGXIAO_DEBUG="0", SECRET_KEY=secrets.token_hex(32))
os.environ.pop("DATABASE_URL", None)  # never benchmark against whatever database the shell points at
PG_URL = os.environ.get("BENCH_DATABASE_URL")
sys.path.insert(0, str(ROOT))


def pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
        conn.execute(sql)


if PG_URL:
    pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
    pg_admin(PG_URL, f"CREATE DATABASE {BENCH_DB}")
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
INDUSTRIES = [("党政机关", "公务员"), ("教育", "教师"), ("医疗卫生", "医生"), ("外卖配送", "外卖骑手"),
              ("快递物流", "快递员"), ("制造业", "工程师"), ("社区服务", "社区工作者"), ("金融", "会计"), ("", "退休")]
COMPOUNDS = ["湘江世纪城", "芙蓉苑", "望月湖小区", "桃花岭社区", "左家塘小区", "锦绣华庭", "枫林绿洲"]
EDUCATIONS = ["研究生", "大学本科", "本科", "大专", "中专", "高中", "初中及以下"]
POSITIONS = ["书记", "副书记", "委员", "党务工作者"]


def spell(rng: random.Random, d: date, month_only_ok: bool = True):
    """A date as people type it: a real date cell, 1985.03, 1985-3-1 or 1985年3月1日."""
    style = rng.randrange(4 if month_only_ok else 3)
    if style == 0:
        return d
    if style == 1:
        return f"{d.year}-{d.month}-{d.day}"
    if style == 2:
        return f"{d.year}年{d.month}月{d.day}日"
    return f"{d.year}.{d.month:02d}"


def id_number(birth: date, seq: int) -> str:
    body = f"430103{birth:%Y%m%d}{seq:03d}"
    return body + ID_CHECK[sum(int(c) * w for c, w in zip(body, ID_WEIGHTS)) % 11]


def roster_xlsx(branches: list[Organization], seed: int = SEED) -> bytes:
    rng, phones, ids = random.Random(seed), set(), set()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("党员名单")
    ws.append([c.header for c in COLUMNS])
    for _ in range(ROWS):
        male = rng.random() < 0.55
        birth = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 63))
        while True:
            seq = rng.randrange(0, 999, 2) + male  # the 17th digit is odd for men
            if (birth, seq) not in ids:
                ids.add((birth, seq))
                break
        while (phone := rng.choice("3456789") + f"{rng.randrange(10**9):09d}") in phones:
            pass
        phones.add(phone)
        joined = min(birth + timedelta(days=rng.randrange(18 * 365, 45 * 365)), date(2025, 6, 30))
        industry, occupation = rng.choice(INDUSTRIES)
        mobile = rng.random() < 0.05
        org = rng.choice(branches)
        values = {
            "name": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
            "gender": "男" if male else "女",
            "birth_date": spell(rng, birth) if rng.random() < 0.9 else None,
            "ethnicity": "汉族" if rng.random() < 0.92 else rng.choice(["土家族", "苗族", "侗族", "瑶族"]),
            "education": rng.choice(EDUCATIONS),
            "joined_party_on": spell(rng, joined),
            "status": "预备党员" if joined.year >= 2025 else "正式党员",
            "organization_name": org.name,
            "organization_code": org.code,
            "occupation": occupation,
            "industry": industry,
            "phone": "1" + phone if rng.random() < 0.8 else int("1" + phone),  # some typed as numbers
            "id_number": id_number(birth, seq),
            "home_compound": rng.choice(COMPOUNDS),
            "address": f"长沙市天心区{rng.choice(COMPOUNDS)}{rng.randint(1, 30)}栋{rng.randint(101, 2804)}室",
            "is_mobile": "是" if mobile else "否",
            "mobile_location": rng.choice(["广东深圳", "浙江杭州", "上海浦东"]) if mobile else None,
            "is_elderly_infirm": "是" if birth.year < 1950 and rng.random() < 0.5 else "否",
            "is_organ_worker": "是" if industry == "党政机关" else "否",
            "is_new_employment": "是" if industry in ("外卖配送", "快递物流") else "否",
            "position": rng.choice(POSITIONS) if rng.random() < 0.08 else None,
        }
        ws.append([values[c.key] for c in COLUMNS])
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def floor_load(data: bytes) -> int:
    """Read with openpyxl's streaming reader and bulk_create; only the unavoidable conversions."""
    orgs = dict(Organization.objects.values_list("code", "id"))
    labels = {str(label): value for enum in (Member.Gender, Member.Status, Member.Education, Member.Position)
              for value, label in enum.choices}
    wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    rows = wb.worksheets[0].iter_rows(values_only=True)
    header = next(rows)
    keys = [c.key for c in COLUMNS if c.header in header]
    members = []
    for cells in rows:
        v = dict(zip(keys, cells + (None,) * len(keys)))  # trailing blanks are not stored
        members.append(Member(
            name=v["name"], gender=labels[v["gender"]], ethnicity=v["ethnicity"], phone=str(v["phone"]),
            birth_date=v["birth_date"].date() if hasattr(v["birth_date"], "date") else None,
            joined_party_on=v["joined_party_on"].date() if hasattr(v["joined_party_on"], "date") else None,
            education=labels.get(v["education"], ""), status=labels[v["status"]],
            organization_id=orgs[v["organization_code"]], occupation=v["occupation"] or "",
            industry=v["industry"] or "", id_number=v["id_number"], home_compound=v["home_compound"],
            address=v["address"], mobile_location=v["mobile_location"] or "", is_mobile=v["is_mobile"] == "是",
            is_elderly_infirm=v["is_elderly_infirm"] == "是", is_organ_worker=v["is_organ_worker"] == "是",
            is_new_employment=v["is_new_employment"] == "是", position=labels.get(v["position"] or "", ""),
        ))
    wb.close()
    with transaction.atomic():
        Member.objects.bulk_create(members, batch_size=500)
    return len(members)


def measure(fn, reset=None) -> dict:
    """Median wall time of RUNS untraced runs, then tracemalloc's peak on one more run."""
    times, out = [], None
    for traced in [False] * RUNS + [True]:
        if reset:
            reset()
        gc.collect()
        if traced:
            tracemalloc.start()
        start = time.perf_counter()
        out = fn()
        elapsed = time.perf_counter() - start
        if traced:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        else:
            times.append(elapsed)
    return {"seconds": median(times), "runs": times, "peak_mib": peak / 2**20, "result": out}


def main() -> None:
    call_command("migrate", verbosity=0)
    tree, kind, units = Organization.objects, Organization.Kind, list(Organization.UnitType)
    root = tree.add_root(instance=Organization(name="天心区城南路街道党工委", code="BENCH",
                                               kind=kind.WORKING_COMMITTEE, unit_type=units[0]))
    branches = [tree.add_child(root, instance=Organization(name=f"第{i}党支部", code=f"BENCH-ZB{i:02d}",
                                                           kind=kind.BRANCH, unit_type=units[i % len(units)]))
                for i in range(1, 21)]
    user = User.objects.create(username="bench-root", is_superuser=True, is_staff=True)
    data = roster_xlsx(branches)

    def clear() -> None:
        Member.objects.all().delete()

    def real_import() -> dict:
        result = roster_import(user, data)
        if result.errors or not result.committed:
            sys.exit(f"benchmark data rejected, fix the generator: {result.errors[:5]}")
        return {k: v for k, v in result.as_dict().items() if k != "errors"}

    floor = measure(lambda: floor_load(data), clear)
    imported = measure(real_import, clear)
    again = measure(real_import)  # the table now holds the last import's rows
    ratio = imported["seconds"] / floor["seconds"]
    vendor = connection.vendor
    report = {"rows": ROWS, "database": vendor, "file_kib": len(data) // 1024, "target_ratio": TARGET,
              "ratio": round(ratio, 2), "pass": ratio <= TARGET, "import": imported, "floor": floor, "reimport": again}
    out = ROOT / "var" / "bench" / "roster_import.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))

    print(f"\nRoster import, {ROWS:,} rows ({len(data) // 1024} KiB .xlsx) on {vendor}; median of {RUNS} runs")
    print(f"{'':22}{'time (s)':>10}{'peak MiB':>10}  result")
    for label, m in (("import (a)", imported), ("floor (b)", floor), ("re-import (c)", again)):
        print(f"{label:22}{m['seconds']:>10.2f}{m['peak_mib']:>10.1f}  {m['result']}")
    verdict = "PASS" if ratio <= TARGET else "FAIL"
    print(f"{'ratio import/floor':22}{ratio:>10.2f}{'':>10}  target ≤ {TARGET:g}×: {verdict}")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    try:
        main()
    finally:
        if PG_URL:
            connections.close_all()
            pg_admin(PG_URL, f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
