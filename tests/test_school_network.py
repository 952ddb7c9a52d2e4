"""The school's record, venues, partners and agreements, changed in pages: create, edit, retire (never
delete), each within the right scope, refused with a message on bad input, in a fixed number of queries."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.school.models import Partner, PartnerAgreement, Venue
from dangxiao.teaching.models import Session

from .conftest import login
from .factories import make_cohort, make_school

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def school(people):
    school, main, small = make_school(people["tree"])
    return {"school": school, "main": main, "small": small, **people}


def venue_data(org, **over) -> dict:
    data = {
        "name": "湘林家园党群服务站",
        "tier": "site",
        "kind": "service_station",
        "organization": org.pk,
        "partner": "",
        "address": "湘林家园3栋",
        "latitude": "28.171",
        "longitude": "112.985",
        "capacity": "40",
        "facilities": "投影、音响",
        "opening_hours": "周一至周五 9:00-17:00",
    }
    return {**data, **over}


def make_partner(school, name="中南林业科技大学", **fields):
    return Partner.objects.create(school=school, name=name, kind=fields.pop("kind", "university"), **fields)


def make_agreement(partner, **fields):
    today = timezone.localdate()
    defaults = {
        "title": "校地共建协议",
        "shares_venues": True,
        "signed_on": today - timedelta(days=60),
        "starts_on": today - timedelta(days=60),
        "ends_on": today + timedelta(days=300),
    }
    return PartnerAgreement.objects.create(partner=partner, **{**defaults, **fields})


# --- The school ----------------------------------------------------------------------------------


def test_the_board_renames_the_school_and_sees_its_board(school):
    client = login(school["users"]["principal"])
    page = client.get(reverse("school:school_edit"))
    assert page.status_code == 200 and "校长" in page.content.decode()
    response = client.post(reverse("school:school_edit"), {"name": "文源街道党校（新）", "brand": "源课堂", "address": "书院路1号"})
    assert response.status_code == 302
    school["school"].refresh_from_db()
    assert school["school"].name == "文源街道党校（新）" and school["school"].address == "书院路1号"
    assert AuditEvent.objects.filter(action="record_update", object_type="school").exists()


def test_an_empty_school_name_is_refused_and_nothing_changes(school):
    response = login(school["users"]["principal"]).post(reverse("school:school_edit"), {"name": " ", "brand": "x"})
    assert response.status_code == 200 and "这个字段是必填项" in response.content.decode()
    school["school"].refresh_from_db()
    assert school["school"].name == "文源街道党校" and school["school"].brand == "源课堂"


def test_only_the_board_edits_the_school(school):
    assert login(school["users"]["secretary"]).get(reverse("school:school_edit")).status_code == 404
    assert login(school["users"]["member"]).post(reverse("school:school_edit"), {"name": "改名"}).status_code == 404
    school["school"].refresh_from_db()
    assert school["school"].name == "文源街道党校"


# --- Venues --------------------------------------------------------------------------------------


def test_the_board_creates_a_venue_with_all_its_particulars(school):
    partner = make_partner(school["school"])
    client = login(school["users"]["principal"])
    response = client.post(reverse("school:venue_create"), venue_data(school["tree"]["C1"], partner=partner.pk))
    venue = Venue.objects.get(name="湘林家园党群服务站")
    assert response.status_code == 302 and response.url == reverse("school:venue_detail", args=[venue.pk])
    assert (venue.tier, venue.kind, venue.capacity, venue.organization, venue.partner) == (
        "site",
        "service_station",
        40,
        school["tree"]["C1"],
        partner,
    )
    assert str(venue.latitude) == "28.171000" and venue.opening_hours == "周一至周五 9:00-17:00"
    assert AuditEvent.objects.filter(action="record_create", object_type="venue", object_id=str(venue.pk)).exists()
    assert "湘林家园党群服务站" in client.get(reverse("school:venue_list")).content.decode()


@pytest.mark.parametrize(
    "over, field, message",
    [
        ({"name": ""}, "name", "这个字段是必填项"),
        ({"capacity": "0"}, "capacity", "1"),
        ({"capacity": "99999999999999999999"}, "capacity", "100000"),
        ({"latitude": "123"}, "latitude", "90"),
        ({"tier": "castle"}, "tier", "选择一个有效的选项"),
    ],
)
def test_a_bad_venue_is_refused_with_a_message(school, over, field, message):
    response = login(school["users"]["principal"]).post(reverse("school:venue_create"), venue_data(school["tree"]["C1"], **over))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Venue.objects.filter(address="湘林家园3栋").exists()


def test_a_secretary_creates_venues_run_by_their_own_subtree_only(school):
    client = login(school["users"]["committee"])  # org admin on C1
    page = client.get(reverse("school:venue_create"))
    offered = {v for v, _label in page.context["form"].fields["organization"].choices}
    assert school["tree"]["C1-1"].pk in offered and school["tree"]["C2"].pk not in offered and school["tree"]["WY"].pk not in offered
    refused = client.post(reverse("school:venue_create"), venue_data(school["tree"]["C2"]))
    assert refused.status_code == 200 and not Venue.objects.filter(name="湘林家园党群服务站").exists()
    assert client.post(reverse("school:venue_create"), venue_data(school["tree"]["C1-1"])).status_code == 302
    # They edit the venue their subtree runs, not the school's main site.
    assert client.get(reverse("school:venue_edit", args=[school["small"].pk])).status_code == 200
    assert client.get(reverse("school:venue_edit", args=[school["main"].pk])).status_code == 404
    assert client.post(reverse("school:venue_retire", args=[school["main"].pk])).status_code == 404
    assert Venue.objects.get(pk=school["main"].pk).is_active


def test_a_member_manages_no_venue(school):
    client = login(school["users"]["member"])
    assert client.get(reverse("school:venue_create")).status_code == 404
    assert client.post(reverse("school:venue_edit", args=[school["main"].pk]), venue_data(school["tree"]["WY"])).status_code == 404


def test_editing_a_venue_changes_it_and_keeps_its_sessions(school):
    client = login(school["users"]["principal"])
    data = venue_data(school["tree"]["WY"], name="源课堂（书院路）", tier="main", kind="party_school", capacity="150")
    assert client.post(reverse("school:venue_edit", args=[school["main"].pk]), data).status_code == 302
    venue = Venue.objects.get(pk=school["main"].pk)
    assert venue.name == "源课堂（书院路）" and venue.capacity == 150


def test_a_retired_venue_leaves_the_session_form_but_its_sessions_keep_it(school):
    cohort = make_cohort(school["school"], school["tree"]["WY"])
    start = datetime(2026, 3, 3, 19, 0, tzinfo=SHANGHAI)
    Session.objects.create(cohort=cohort, title="往期课", starts_at=start, ends_at=start + timedelta(hours=2), venue=school["small"])
    client = login(school["users"]["principal"])
    assert client.post(reverse("school:venue_retire", args=[school["small"].pk])).status_code == 302
    small = Venue.objects.get(pk=school["small"].pk)
    assert not small.is_active and small.retired_on == timezone.localdate()

    detail = client.get(reverse("teaching:cohort_detail", args=[cohort.pk]))
    offered = {v for v, _label in detail.context["session_form"].fields["venue"].choices}
    assert school["small"].pk not in offered and school["main"].pk in offered
    assert Session.objects.get(title="往期课").venue == small
    assert "青山祠社区党群服务中心" in detail.content.decode()  # the old session still names it

    # Out of the current list, still found with the filter and on its own page.
    assert "青山祠社区党群服务中心" not in client.get(reverse("school:venue_list")).content.decode()
    assert "青山祠社区党群服务中心" in client.get(reverse("school:venue_list"), {"retired": "1"}).content.decode()
    assert "停用" in client.get(reverse("school:venue_detail", args=[small.pk])).content.decode()
    assert AuditEvent.objects.filter(action="record_retire", object_type="venue").exists()

    # Brought back into use.
    client.post(reverse("school:venue_retire", args=[small.pk]), {"action": "reinstate"})
    assert Venue.objects.get(pk=small.pk).is_active


def test_the_venue_list_takes_a_fixed_number_of_queries(school, django_assert_max_num_queries):
    for i in range(30):
        Venue.objects.create(school=school["school"], name=f"红色之家{i}", tier="site", kind="red_home", organization=school["tree"]["N1"])
    client = login(school["users"]["principal"])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("school:venue_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("school:venue_edit", args=[school["main"].pk])).status_code == 200


# --- Partners and agreements ---------------------------------------------------------------------


def test_the_board_creates_edits_and_retires_a_partner(school):
    client = login(school["users"]["principal"])
    data = {"name": "湖南省林业科学院", "kind": "research_institute", "contact_name": "王主任", "description": "林业科普"}
    assert client.post(reverse("school:partner_create"), data).status_code == 302
    partner = Partner.objects.get(name="湖南省林业科学院")
    assert client.post(reverse("school:partner_create"), data).status_code == 200  # same name twice
    assert Partner.objects.filter(name="湖南省林业科学院").count() == 1

    client.post(reverse("school:partner_edit", args=[partner.pk]), {**data, "contact_name": "李主任"})
    partner.refresh_from_db()
    assert partner.contact_name == "李主任"

    agreement = make_agreement(partner)
    school["small"].partner = partner
    school["small"].save()
    assert client.post(reverse("school:partner_retire", args=[partner.pk])).status_code == 302
    partner.refresh_from_db()
    agreement.refresh_from_db()
    assert partner.retired_on == timezone.localdate() and agreement.terminated and agreement.ended_on == timezone.localdate()
    assert Venue.objects.get(pk=school["small"].pk).partner == partner  # history kept
    assert "湖南省林业科学院" not in client.get(reverse("school:partner_list")).content.decode()
    assert "湖南省林业科学院" in client.get(reverse("school:partner_list"), {"retired": "1"}).content.decode()
    # No longer offered to a new venue.
    offered = {p for p, _l in client.get(reverse("school:venue_create")).context["form"].fields["partner"].choices}
    assert partner.pk not in offered


def test_a_secretary_manages_no_partner(school):
    partner = make_partner(school["school"])
    client = login(school["users"]["secretary"])
    assert client.get(reverse("school:partner_create")).status_code == 404
    assert client.post(reverse("school:partner_edit", args=[partner.pk]), {"name": "改名", "kind": "enterprise"}).status_code == 404
    assert client.post(reverse("school:partner_retire", args=[partner.pk])).status_code == 404
    partner.refresh_from_db()
    assert partner.name == "中南林业科技大学" and partner.retired_on is None


def test_an_agreement_is_signed_renewed_and_ended(school):
    partner = make_partner(school["school"])
    client = login(school["users"]["principal"])
    data = {
        "title": "校地共建协议",
        "shares_venues": "on",
        "shares_talent": "on",
        "signed_on": "2024-01-01",
        "starts_on": "2024-01-01",
        "ends_on": "2025-12-31",
    }
    assert client.post(reverse("school:agreement_create", args=[partner.pk]), data).status_code == 302
    old = PartnerAgreement.objects.get(partner=partner)
    # The renewal proposes the same terms from the day after.
    form = client.get(reverse("school:agreement_renew", args=[old.pk])).context["form"]
    assert form.initial["starts_on"] == date(2026, 1, 1) and form.initial["title"] == "校地共建协议"
    renewal = {**data, "signed_on": "2025-12-20", "starts_on": "2026-01-01", "ends_on": "2027-12-31"}
    assert client.post(reverse("school:agreement_renew", args=[old.pk]), renewal).status_code == 302
    new = PartnerAgreement.objects.exclude(pk=old.pk).get(partner=partner)
    assert new.renews == old and (new.starts_on, new.ends_on) == (date(2026, 1, 1), date(2027, 12, 31))
    old.refresh_from_db()
    assert not old.terminated and old.ends_on == date(2025, 12, 31)  # the old one keeps its history
    # Renewing the same agreement twice is refused.
    assert client.post(reverse("school:agreement_renew", args=[old.pk]), renewal).status_code == 200
    assert PartnerAgreement.objects.filter(partner=partner).count() == 2

    assert client.post(reverse("school:agreement_end", args=[new.pk]), {"reason": ""}).status_code == 200
    assert client.post(reverse("school:agreement_end", args=[new.pk]), {"reason": "对方机构调整", "on": "2026-06-30"}).status_code == 302
    new.refresh_from_db()
    assert new.terminated and new.ended_on == date(2026, 6, 30) and new.end_reason == "对方机构调整"
    page = client.get(reverse("school:partner_detail", args=[partner.pk])).content.decode()
    assert "对方机构调整" in page and "已终止" in page


@pytest.mark.parametrize(
    "over, field",
    [
        ({"ends_on": "2023-12-31"}, "ends_on"),
        ({"starts_on": "9999-01-01"}, "starts_on"),
        ({"shares_venues": ""}, "shares_venues"),
        ({"title": ""}, "title"),
    ],
)
def test_a_bad_agreement_is_refused(school, over, field):
    partner = make_partner(school["school"])
    data = {"title": "协议", "shares_venues": "on", "signed_on": "2024-01-01", "starts_on": "2024-01-01", "ends_on": "2025-12-31"}
    data = {k: v for k, v in {**data, **over}.items() if v != ""}
    response = login(school["users"]["principal"]).post(reverse("school:agreement_create", args=[partner.pk]), data)
    assert response.status_code == 200 and response.context["form"].errors[field]
    assert not PartnerAgreement.objects.exists()


def test_partner_pages_take_a_fixed_number_of_queries(school, django_assert_max_num_queries):
    partner = make_partner(school["school"])
    for i in range(10):
        make_agreement(partner, title=f"协议{i}")
        make_partner(school["school"], name=f"单位{i}")
    client = login(school["users"]["principal"])
    with django_assert_max_num_queries(14):
        assert client.get(reverse("school:partner_detail", args=[partner.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("school:partner_list")).status_code == 200


def test_an_agreement_ended_early_is_renewed_from_today(school):
    partner = make_partner(school["school"])
    ended = make_agreement(partner, terminated=True, ended_on=timezone.localdate() - timedelta(days=10), end_reason="调整")
    form = login(school["users"]["principal"]).get(reverse("school:agreement_renew", args=[ended.pk])).context["form"]
    assert form.initial["starts_on"] == timezone.localdate()
