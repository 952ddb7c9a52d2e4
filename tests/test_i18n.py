"""Chinese by default, English on request; the roster spreadsheet stays Chinese in either language.

Chinese is the source language: the msgids are the Chinese interface text and English is a
catalogue in locale/en. The roster file is a format, not interface text, so an export made while
reading English must still carry Chinese headers and labels and import again unchanged.
"""

import gettext
import re
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from dangxiao.core.models import AuditEvent
from dangxiao.people import services
from dangxiao.people.models import Member
from dangxiao.people.roster import COLUMNS
from dangxiao.teaching.models import Course

from .conftest import login
from .factories import make_school
from .test_roster_import import row, xlsx

HEADERS = [c.header for c in COLUMNS]
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def default_language_afterwards():
    """A request in English leaves English active in this thread; later tests expect the default."""
    yield
    translation.deactivate()


def in_english(client: Client) -> Client:
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def html_lang(body: str) -> str:
    return re.search(r'<html lang="([^"]+)"', body).group(1)


@pytest.mark.django_db
def test_the_interface_is_chinese_by_default(people):
    login_page = Client().get(reverse("login")).content.decode()
    assert html_lang(login_page) == "zh-hans"
    assert "党员请用手机号登录" in login_page and "Sign in" not in login_page
    home = login(people["users"]["principal"]).get(reverse("home")).content.decode()
    assert 'data-nav="members">党员名单</a>' in home
    assert "全校概况" in home


@pytest.mark.django_db
def test_the_language_switcher_is_offered_before_signing_in(db):
    body = Client().get(reverse("login")).content.decode()
    assert f'action="{reverse("set_language")}"' in body
    # Only the other language is offered, so the bar stays one short button wide.
    assert 'value="en"' in body and ">English</button>" in body
    assert ">简体中文</button>" not in body
    english = in_english(Client()).get(reverse("login")).content.decode()
    assert 'value="zh-hans"' in english and ">简体中文</button>" in english
    assert ">English</button>" not in english


@pytest.mark.django_db
def test_the_english_bar_uses_short_group_labels(people):
    home = in_english(login(people["users"]["principal"])).get(reverse("home")).content.decode()
    assert 'data-nav-group="people">People</a>' in home and 'data-nav-group="practice">Party life</a>' in home


@pytest.mark.django_db
def test_after_choosing_english_home_and_roster_are_in_english(people):
    client = in_english(login(people["users"]["principal"]))
    home = client.get(reverse("home")).content.decode()
    assert html_lang(home) == "en"
    assert 'data-nav="members">Members</a>' in home
    assert "Whole school overview" in home and "Total members" in home
    assert "党员名单" not in home

    roster = client.get(reverse("people:member_list")).content.decode()
    assert 'data-nav="members">Members</a>' in roster
    assert "9 members" in roster  # the plural form
    assert "Probationary member" in roster or "Full member" in roster  # choice labels follow the language
    tree = client.get(reverse("people:organization_list")).content.decode()
    assert "5 members including sub-organisations" in tree


@pytest.mark.django_db
def test_the_login_page_can_be_english(db):
    client = in_english(Client())
    body = client.get(reverse("login")).content.decode()
    assert html_lang(body) == "en"
    assert "Party members sign in with their mobile phone number" in body
    assert ">Sign in</button>" in body
    assert "党员请用手机号登录" not in body


@pytest.mark.django_db
def test_import_problems_are_reported_in_english_but_name_the_chinese_column(people):
    client = in_english(login(people["users"]["secretary"]))
    upload = BytesIO(xlsx([row(1), row(2, **{"手机号码": "1234"})]))
    upload.name = "roster.xlsx"
    body = client.post(reverse("people:member_import"), {"file": upload}).content.decode()
    assert "Row 3" in body and '<td class="text-nowrap">手机号码</td>' in body
    assert "is not a valid 11-digit mainland China mobile number" in body
    assert "Found 1 problem; nothing was imported." in body


@pytest.mark.django_db
def test_an_export_made_in_english_keeps_chinese_headers_and_labels_and_imports_again(people):
    secretary = people["users"]["secretary"]
    own = people["members"]["c1_1"]
    Member.objects.filter(pk=own[0].pk).update(status=Member.Status.PROBATIONARY, gender="F", is_mobile=True, position="secretary")
    client = in_english(login(secretary))
    exported = client.get(reverse("people:member_export")).content

    ws = load_workbook(BytesIO(exported)).active
    assert ws.title == "党员名单"
    rows = list(ws.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    by_phone = {r[HEADERS.index("手机号码")]: dict(zip(HEADERS, r)) for r in rows[1:]}
    first = by_phone[own[0].phone]
    assert (first["性别"], first["党员类别"], first["流动党员"], first["党内职务"]) == ("女", "预备党员", "是", "书记")
    assert by_phone[own[1].phone]["党员类别"] == "正式党员" and by_phone[own[1].phone]["性别"] == "男"

    # Imported back while English is active: the Chinese labels are accepted and nothing changes.
    with translation.override("en"):
        again = services.roster_import(secretary, exported, dry_run=True)
    assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 3, [])


@pytest.mark.django_db
def test_audit_summaries_are_stored_in_chinese_whatever_the_actor_reads(people):
    client = in_english(login(people["users"]["principal"]))
    client.get(reverse("people:member_export"), {"status": "probationary", "flags": "is_mobile"})
    event = AuditEvent.objects.get(action="export")
    assert "类别：预备党员" in event.summary and "流动党员" in event.summary


@pytest.mark.django_db
def test_the_import_template_made_in_english_is_chinese(people):
    client = in_english(login(people["users"]["committee"]))
    wb = load_workbook(BytesIO(client.get(reverse("people:import_template")).content))
    assert wb.sheetnames == ["党员名单", "填写说明", "组织列表"]
    assert [c.value for c in wb["党员名单"][1]] == HEADERS
    kinds = {r[0]: r[2] for r in wb["组织列表"].iter_rows(min_row=2, values_only=True)}
    assert kinds == {"C1": "党委", "C1-1": "党支部", "C1-2": "党支部"}


@pytest.mark.django_db
def test_school_and_teaching_pages_show_model_choice_labels_in_english(people):
    school, _main, _small = make_school(people["tree"])
    Course.objects.create(school=school, title="党章学习", kind=Course.Kind.THEORY)
    client = in_english(login(people["users"]["principal"]))

    network = client.get(reverse("school:network")).content.decode()
    assert "<td>Main venue</td>" in network and "<td>Community teaching point</td>" in network
    assert "主阵地" not in network and "集中教学点" not in network

    courses = client.get(reverse("teaching:course_list")).content.decode()
    assert "<td>Theory classroom</td>" in courses and 'href="?kind=practice">Practice classroom</a>' in courses
    assert "理论课堂" not in courses and "实践课堂" not in courses


ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def po_entries(text: str) -> list[dict]:
    """A tiny .po reader: msgid, msgid_plural, msgstr[n] (unescaped) and the flags of every entry."""
    entries = []
    for block in text.strip().split("\n\n"):
        entry: dict = {"flags": "", "msgid": "", "msgstr": []}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
                continue
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgid_plural|msgid|msgctxt|msgstr(?:\[\d+\])?) "(.*)"$', line) or re.match(r'^()"(.*)"$', line)
            text_part = re.sub(r"\\(.)", lambda e: ESCAPES[e.group(1)], m.group(2))
            if m.group(1):
                key = "msgstr" if m.group(1).startswith("msgstr") else m.group(1)
                if key == "msgstr":
                    entry["msgstr"].append(text_part)
                else:
                    entry[key] = text_part
            elif key == "msgstr":
                entry["msgstr"][-1] += text_part
            else:
                entry[key] += text_part
        entries.append(entry)
    return entries


def test_every_english_message_is_translated_and_none_is_fuzzy():
    entries = [e for e in po_entries((CATALOGUE / "django.po").read_text(encoding="utf-8")) if e["msgid"]]
    assert len(entries) > 150
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    assert [e["msgid"] for e in entries if not e["msgstr"] or not all(e["msgstr"])] == []


def test_the_compiled_catalogue_matches_the_po_file():
    """django.mo is committed (CI may lack gettext), so it must not fall behind django.po."""
    with open(CATALOGUE / "django.mo", "rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    for entry in po_entries((CATALOGUE / "django.po").read_text(encoding="utf-8")):
        if not entry["msgid"]:
            continue
        if "msgid_plural" in entry:
            got = [compiled.ngettext(entry["msgid"], entry["msgid_plural"], n) for n in (1, 2)]
            assert got == entry["msgstr"], entry["msgid"]
        elif "msgctxt" in entry:
            assert compiled.pgettext(entry["msgctxt"], entry["msgid"]) == entry["msgstr"][0], entry["msgid"]
        else:
            assert compiled.gettext(entry["msgid"]) == entry["msgstr"][0], entry["msgid"]


@pytest.mark.django_db
def test_a_certificate_printed_while_reading_english_is_chinese(people):
    """The ledger's source labels are English on English pages, but a certificate is a Chinese document."""
    from datetime import date
    from decimal import Decimal

    from dangxiao.attendance import pdf
    from dangxiao.attendance.models import StudyHourEntry

    member = people["members"]["c1_1"][0]
    StudyHourEntry.objects.create(member=member, date=date(2026, 3, 1), hours=Decimal("4"), source="external")
    with translation.override("en"):
        breakdown = pdf.certificate_breakdown(member, 2026)
        assert [str(row["label"]) for row in breakdown] == ["External training"]
    with translation.override("zh-hans"):
        assert [str(row["label"]) for row in breakdown] == ["外部培训"]


# Printed documents are Chinese by design (the certificate, the sign-in sheet, the residents' poster), and the
# 500 page is rendered without a request's language.
CHINESE_ONLY_TEMPLATES = {
    "attendance/documents/certificate.html",
    "attendance/documents/sign_in_sheet.html",
    "liaison/public/poster.html",
    "people/documents/activation_sheet.html",
    "reports/yearly/document.html",
    "appraisal/records_pdf.html",
    "500.html",
}
TRANSLATED = re.compile(
    r"\{%\s*blocktranslate.*?\{%\s*endblocktranslate\s*%\}|\{%\s*translate\s+(\"[^\"]*\"|'[^']*').*?%\}|_\((\"[^\"]*\"|'[^']*')\)|\{#.*?#\}",
    re.S,
)


def test_no_template_shows_chinese_outside_the_catalogue():
    """Text typed into a template without {% translate %} stays Chinese in the English interface."""
    root = Path(settings.BASE_DIR) / "dangxiao"
    raw = []
    for path in sorted(root.glob("*/templates/**/*.html")):
        name = path.relative_to(root).as_posix().split("/templates/", 1)[1]
        if name in CHINESE_ONLY_TEMPLATES:
            continue
        text = TRANSLATED.sub("", path.read_text())
        raw += [f"{name}: {line.strip()[:80]}" for line in text.splitlines() if re.search(r"[\u4e00-\u9fff]", line)]
    assert raw == []
