"""Residents' pages without an account: reporting from the QR poster (with the honeypot, the rate
limit, photo checks and the size limit), the reporter's own page, the public progress board, and
the printed poster."""

import subprocess
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.liaison import services
from dangxiao.liaison.models import Matter, MatterPhoto, MatterUpdate

from .conftest import login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 64


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def report_url(compound) -> str:
    return reverse("residents:report", args=[compound.public_token])


def post_report(liaison, client=None, *, category="e_bike_charging", ip="203.0.113.7", **fields):
    data = {
        "category": liaison["categories"][category].pk,
        "description": "3栋楼道有人从窗户拉电线给电动车充电",
        "building": liaison["buildings"][0].pk,
        "location": "2单元门口",
        "reporter_name": "陈阿姨",
        "reporter_phone": "13812345678",
        "website": "",
        **fields,
    }
    return (client or Client()).post(report_url(liaison["a"]), data, REMOTE_ADDR=ip)


def accepted_matter(liaison, *, category="e_bike_charging", description="小区南门路灯坏了三盏", days_ago=2, **kw):
    when = timezone.now() - timedelta(days=days_ago)
    matter = services.matter_report(
        liaison["a"],
        category=liaison["categories"][category],
        description=description,
        reporter_name=kw.pop("reporter_name", "王大爷"),
        reporter_phone=kw.pop("reporter_phone", "13700001234"),
        household=liaison["households"]["1栋"][3],
        now=when,
    )
    services.matter_accept(matter, liaison["users"]["neighbour"], now=when + timedelta(hours=1))
    return matter


# --- Reporting -----------------------------------------------------------------------------------


def test_the_report_page_shows_the_compound_and_active_categories_in_few_queries(liaison, django_assert_max_num_queries):
    liaison["categories"]["noise"].active = False
    liaison["categories"]["noise"].save()
    with django_assert_max_num_queries(4):
        response = Client().get(report_url(liaison["a"]))
    html = response.content.decode()
    assert response.status_code == 200 and "青山苑" in html and "电动车充电" in html and "噪音扰民" not in html
    assert 'name="website"' in html and 'class="rx-hp"' in html and 'type="hidden" id="id_website"' not in html
    assert 'accept="image/*"' in html and "capture=" in html and "1栋" in html
    assert response["X-Robots-Tag"] == "noindex, nofollow" and response["Referrer-Policy"] == "same-origin"


def test_an_unknown_compound_token_is_404(liaison):
    client = Client()
    for name in ("residents:report", "residents:board", "residents:similar"):
        assert client.get(reverse(name, args=["not-a-token"])).status_code == 404
    assert client.post(reverse("residents:report", args=["not-a-token"]), {"description": "x"}).status_code == 404
    assert client.get(reverse("residents:matter", args=["not-a-token"])).status_code == 404


def test_a_report_creates_a_matter_waiting_for_acceptance_and_leads_to_the_reporters_page(liaison):
    response = post_report(liaison, photos=[SimpleUploadedFile("wire.jpg", JPEG)])
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("residents:matter", args=[matter.token]) + "?new=1"
    assert (matter.state, matter.source, matter.compound, matter.building) == ("reported", "public", liaison["a"], liaison["buildings"][0])
    assert (matter.reporter_name, matter.reporter_phone, matter.location) == ("陈阿姨", "13812345678", "2单元门口")
    assert matter.reporter_fingerprint == services.fingerprint("203.0.113.7") and "203.0.113.7" not in matter.reporter_fingerprint
    assert [(u.kind, u.to_state) for u in matter.updates.all()] == [("reported", "reported")]
    photo = MatterPhoto.objects.get()
    assert photo.matter == matter and photo.stage == "report" and photo.content_type == "image/jpeg"
    page = Client().get(response["Location"]).content.decode()
    assert "请收藏本页" in page and matter.token in page and "待受理" in page and "楼道有人从窗户拉电线" in page


def test_the_honeypot_looks_successful_but_keeps_nothing(liaison):
    response = post_report(liaison, website="http://spam.example")
    assert response.status_code == 200 and "感谢您的反映" in response.content.decode()
    assert not Matter.objects.exists() and not MatterUpdate.objects.exists()


def test_too_many_reports_from_one_address_get_the_rate_limit_message(liaison):
    for i in range(services.LIMITS["address_hour"]):
        assert post_report(liaison, reporter_phone="", description=f"第{i}处路灯不亮", category="lighting").status_code == 302
    response = post_report(liaison, reporter_phone="", category="lighting")
    assert response.status_code == 422 and "提交过于频繁" in response.content.decode()
    assert Matter.objects.count() == services.LIMITS["address_hour"]
    # the same form comes back with what was typed
    assert "3栋楼道有人从窗户拉电线给电动车充电" in response.content.decode()
    assert post_report(liaison, reporter_phone="", category="lighting", ip="198.51.100.4").status_code == 302


@pytest.mark.parametrize(
    ("photos", "message"),
    [
        ([SimpleUploadedFile("a.gif", b"GIF89a" + b"\0" * 20)], "不支持的文件类型"),
        ([SimpleUploadedFile("fake.png", b"not a png at all")], "文件内容与扩展名不符"),
        ([SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)], "最多上传 3 张"),
    ],
)
def test_bad_photos_are_refused_and_nothing_is_created(liaison, photos, message):
    response = post_report(liaison, photos=photos)
    html = response.content.decode()
    assert response.status_code == 422 and message in html and "照片需要重新选择" in html
    assert not Matter.objects.exists() and not MatterPhoto.objects.exists()


def test_an_oversized_photo_is_refused(liaison, monkeypatch):
    from dangxiao.core import uploads

    monkeypatch.setitem(uploads.KINDS, "png", uploads.Kind((".png",), "image/png", (b"\x89PNG\r\n\x1a\n",), 32))
    response = post_report(liaison, photos=[SimpleUploadedFile("big.png", PNG)])
    assert response.status_code == 422 and "文件过大" in response.content.decode()
    assert not Matter.objects.exists()


def test_an_oversized_request_body_is_refused_before_it_is_read(liaison):
    response = Client().post(
        report_url(liaison["a"]),
        {"category": liaison["categories"]["lighting"].pk, "description": "路灯不亮"},
        CONTENT_LENGTH=str(17 * 1024 * 1024),
    )
    assert response.status_code == 413 and "提交的内容过大" in response.content.decode()
    assert not Matter.objects.exists()


def test_a_missing_description_or_category_is_asked_for(liaison):
    response = post_report(liaison, description="  ", category="lighting")
    assert response.status_code == 422 and "请描述遇到的问题" in response.content.decode()
    response = Client().post(report_url(liaison["a"]), {"description": "路灯不亮"})
    assert response.status_code == 422 and "请选择问题类别" in response.content.decode()
    assert not Matter.objects.exists()


def test_a_building_of_another_compound_is_refused(liaison):
    other = liaison["b_households"][0].building
    response = post_report(liaison, building=other.pk)
    assert response.status_code == 422 and not Matter.objects.exists()


def test_similar_accepted_matters_are_suggested_before_submitting(liaison, django_assert_max_num_queries):
    old = accepted_matter(liaison, description="南门外有人飞线充电，电线横穿人行道")
    accepted_matter(liaison, description="很久以前的飞线", days_ago=40)
    services.matter_report(liaison["a"], category=liaison["categories"]["e_bike_charging"], description="尚未受理的飞线")
    other_compound = services.matter_report(liaison["b"], category=liaison["categories"]["e_bike_charging"], description="赤岭的飞线")
    services.matter_accept(other_compound, liaison["users"]["b_chief"])
    # htmx: the list under the category choice
    url = reverse("residents:similar", args=[liaison["a"].public_token])
    with django_assert_max_num_queries(4):
        fragment = Client().get(url, {"category": liaison["categories"]["e_bike_charging"].pk}).content.decode()
    assert "是否是同一个问题" in fragment and "电线横穿人行道" in fragment and "已受理" in fragment
    assert '<input type="hidden" name="confirm" value="on">' in fragment  # seen: not asked again on submitting
    assert "很久以前" not in fragment and "尚未受理" not in fragment and "赤岭" not in fragment
    assert Client().get(url, {"category": liaison["categories"]["noise"].pk}).content.decode().strip() == ""
    # without the flag the form comes back with the list; with it the matter is created
    count = Matter.objects.count()
    response = post_report(liaison)
    html = response.content.decode()
    assert response.status_code == 200 and "是否是同一个问题" in html and 'type="checkbox" name="confirm"' in html
    assert f'data-matter="{old.pk}"' in html and 'type="hidden" name="confirm"' not in html
    assert Matter.objects.count() == count
    assert post_report(liaison, confirm="on").status_code == 302
    assert Matter.objects.count() == count + 1


# --- The reporter's page ----------------------------------------------------------------------------


def reporter_page(matter):
    return reverse("residents:matter", args=[matter.token])


def test_the_reporter_can_withdraw_a_matter_not_yet_accepted(liaison):
    post_report(liaison)
    matter = Matter.objects.get()
    client = Client()
    page = client.get(reporter_page(matter)).content.decode()
    assert 'value="withdraw"' in page
    response = client.post(reporter_page(matter), {"action": "withdraw", "note": ""})
    assert response.status_code == 302
    matter.refresh_from_db()
    assert matter.state == "withdrawn" and matter.closed_at is not None
    update = matter.updates.last()
    assert update.actor is None and update.actor_label == "反映人" and update.note
    page = client.get(reporter_page(matter)).content.decode()
    assert "已撤回" in page and 'value="withdraw"' not in page
    # once accepted it can no longer be withdrawn
    accepted = accepted_matter(liaison)
    response = client.post(reporter_page(accepted), {"action": "withdraw"})
    assert response.status_code == 422
    accepted.refresh_from_db()
    assert accepted.state == "accepted"


def resolved(liaison, **kw):
    matter = accepted_matter(liaison, **kw)
    services.matter_resolve(matter, liaison["users"]["group"], households_benefited=6, note="已加装充电桩")
    matter.refresh_from_db()
    return matter


def test_the_reporter_confirms_a_fix(liaison):
    matter = resolved(liaison)
    client = Client()
    page = client.get(reporter_page(matter)).content.decode()
    assert "已解决" in page and "已加装充电桩" in page and 'value="confirm"' in page and 'value="reopen"' in page
    assert client.post(reporter_page(matter), {"action": "confirm"}).status_code == 302
    matter.refresh_from_db()
    assert matter.confirmed_fixed_at is not None and matter.updates.last().kind == "confirmed"
    assert 'value="confirm"' not in client.get(reporter_page(matter)).content.decode()


def test_reopening_needs_a_reason(liaison):
    matter = resolved(liaison)
    client = Client()
    response = client.post(reporter_page(matter), {"action": "reopen", "note": " "})
    assert response.status_code == 422 and "请说明重新打开的原因" in response.content.decode()
    matter.refresh_from_db()
    assert matter.state == "resolved"
    assert client.post(reporter_page(matter), {"action": "reopen", "note": "充电桩坏了，又有人飞线"}).status_code == 302
    matter.refresh_from_db()
    assert matter.state == "accepted" and matter.updates.last().kind == "reopened"
    assert "充电桩坏了" in client.get(reporter_page(matter)).content.decode()


def test_answering_the_follow_up_no_reopens_the_matter(liaison):
    matter = resolved(liaison)
    services.matters_follow_up(now=timezone.now() + timedelta(days=8))
    client = Client()
    page = client.get(reporter_page(matter)).content.decode()
    assert "问题是否再次出现" in page and 'value="came_back"' in page
    assert client.post(reporter_page(matter), {"action": "came_back", "note": "又有人拉线"}).status_code == 302
    matter.refresh_from_db()
    matter.refresh_from_db()
    assert matter.state == "accepted" and matter.updates.filter(kind="reopened").exists()
    assert matter.updates.filter(kind="follow_up", note__contains="问题又出现了。又有人拉线").exists()
    assert "问题是否再次出现" not in client.get(reporter_page(matter)).content.decode()
    # a second answer is refused
    assert client.post(reporter_page(matter), {"action": "stayed_fixed"}).status_code == 422


def test_answering_the_follow_up_yes_keeps_it_fixed(liaison):
    matter = resolved(liaison)
    services.matters_follow_up(now=timezone.now() + timedelta(days=8))
    assert Client().post(reporter_page(matter), {"action": "stayed_fixed"}).status_code == 302
    matter.refresh_from_db()
    assert matter.stayed_fixed is True and matter.state == "resolved"


def test_a_merged_duplicate_points_to_the_original_on_the_board(liaison):
    original = accepted_matter(liaison)
    post_report(liaison, confirm="on")
    duplicate = Matter.objects.exclude(pk=original.pk).get()
    services.matter_merge(duplicate, original, liaison["users"]["neighbour"])
    page = Client().get(reporter_page(duplicate)).content.decode()
    board = reverse("residents:board", args=[liaison["a"].public_token])
    assert f"{board}#m-{original.pk}" in page and "已合并处理" in page


def test_the_reporters_page_names_grid_leaders_but_not_other_staff(liaison):
    matter = accepted_matter(liaison)  # accepted by the 邻长
    services.matter_note(matter, liaison["users"]["committee"], "已联系物业", public=True)
    services.matter_note(matter, liaison["users"]["committee"], "内部备注：物业经理电话", public=False)
    page = Client().get(reporter_page(matter)).content.decode()
    assert "李邻长（邻长）" in page and "社区工作人员" in page and "已联系物业" in page
    assert "committee" not in page and "内部备注" not in page


# --- The board ------------------------------------------------------------------------------------


def test_the_board_shows_accepted_matters_and_nothing_personal(liaison, django_assert_max_num_queries):
    shown = accepted_matter(liaison, description="南门路灯坏了" + "很久" * 50, reporter_name="王大爷", reporter_phone="13700001234")
    resolved(liaison, category="roads_ramps", description="3栋门口台阶太高，轮椅上不去")
    post_report(liaison, reporter_name="陈阿姨", reporter_phone="13812345678", description="尚未受理的反映")
    url = reverse("residents:board", args=[liaison["a"].public_token])
    with django_assert_max_num_queries(4):
        response = Client().get(url)
    html = response.content.decode()
    assert response.status_code == 200 and f'id="m-{shown.pk}"' in html and "南门路灯坏了" in html and "轮椅上不去" in html
    assert "很久" * 40 not in html  # descriptions are shortened
    assert "尚未受理的反映" not in html
    for personal in ("王大爷", "13700001234", "陈阿姨", "13812345678", "1单元", liaison["households"]["1栋"][3].room, "/media/"):
        assert personal not in html
    assert 'id="count-open">1<' in html and 'id="count-resolved">1<' in html
    for i in range(5):
        accepted_matter(liaison, category="sanitation", description=f"垃圾清运不及时{i}", reporter_phone=f"1370000000{i}")
    with django_assert_max_num_queries(4):
        assert Client().get(url).status_code == 200


# --- The poster -----------------------------------------------------------------------------------


def poster_url(compound) -> str:
    return reverse("residents:poster", args=[compound.pk])


def test_the_poster_draws_the_compound_the_qr_and_the_categories_in_chinese(liaison, tmp_path, django_assert_max_num_queries):
    client = login(liaison["users"]["committee"])
    with django_assert_max_num_queries(8):
        response = client.get(poster_url(liaison["a"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "poster.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    raw = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    text = "".join(raw.split())
    assert "NotoSansCJK" in fonts.replace("-", "")
    for words in (
        "青山苑",
        "关键小事居民意见征求",
        "电动车充电",
        "道路与坡道",
        "您的姓名和电话仅对处理人员可见",
        liaison["a"].public_token,
    ):
        assert words in text, words
    assert raw.count("\f") == 1 and "赤岭" not in text  # one page


def test_the_poster_is_for_staff_managing_the_compound(liaison):
    assert Client().get(poster_url(liaison["a"])).status_code == 302  # to the login page
    assert login(liaison["users"]["secretary"]).get(poster_url(liaison["a"])).status_code == 404
    assert login(liaison["users"]["committee"]).get(poster_url(liaison["b"])).status_code == 404
    assert login(liaison["users"]["neighbour"]).get(poster_url(liaison["a"])).status_code == 404


def test_the_report_form_is_csrf_protected_after_the_size_check(liaison):
    client = Client(enforce_csrf_checks=True)
    data = {"category": liaison["categories"]["lighting"].pk, "description": "路灯不亮"}
    assert client.post(report_url(liaison["a"]), data).status_code == 403
    assert client.post(report_url(liaison["a"]), data, CONTENT_LENGTH=str(17 * 1024 * 1024)).status_code == 413
    client.get(report_url(liaison["a"]))
    data["csrfmiddlewaretoken"] = client.cookies["csrftoken"].value
    assert client.post(report_url(liaison["a"]), data).status_code == 302
    assert Matter.objects.count() == 1


def test_the_follow_up_code_leads_to_the_reporters_page(liaison):
    post_report(liaison)
    matter = Matter.objects.get()
    response = Client().get(reverse("residents:lookup"), {"code": f" {matter.token} "})
    assert response.status_code == 302 and response["Location"] == reverse("residents:matter", args=[matter.token])
    assert Client().get(reverse("residents:lookup"), {"code": "nope/../x"}).status_code == 302
    assert Client().get(reverse("residents:lookup"), {"code": "nope/../x"}, follow=True).status_code == 404
