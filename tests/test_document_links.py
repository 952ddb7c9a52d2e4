"""The 学时证明 and the member card are linked where a member and a secretary look for them."""

import pytest
from django.urls import reverse
from django.utils import timezone

from .conftest import login
from .factories import make_school

pytestmark = pytest.mark.django_db


def test_a_member_finds_their_certificate_and_card_on_home_hours_and_their_record(people):
    make_school(people["tree"])
    year = timezone.localdate().year
    member = people["members"]["c1_1"][0]
    client = login(people["users"]["member"])
    certificate, card = reverse("doc_my_certificate", args=[year]), reverse("attendance:my_card")
    for url in (reverse("home"), reverse("ledger_my_hours"), reverse("people:member_detail", args=[member.pk])):
        page = client.get(url).content.decode()
        assert f'href="{certificate}"' in page and f'href="{card}"' in page, url
    assert client.get(certificate).status_code == 200 and client.get(card).status_code == 200


def test_a_secretary_finds_a_members_certificate_and_card_on_the_member_page_and_the_ledger(people):
    make_school(people["tree"])
    year = timezone.localdate().year
    member = people["members"]["c1_1"][1]
    client = login(people["users"]["secretary"])
    certificate = reverse("doc_member_certificate", args=[member.pk, year])
    card = f"{reverse('attendance:member_cards')}?member={member.pk}"
    page = client.get(reverse("people:member_detail", args=[member.pk])).content.decode()
    assert f'href="{certificate}"' in page and f'href="{card}"' in page
    # Last year is over, so every member short of hours is listed whatever the date (this year's list
    # waits for 30 days of pace).
    ledger = client.get(reverse("ledger_compliance"), {"year": year - 1}).content.decode()
    assert f'href="{reverse("doc_member_certificate", args=[member.pk, year - 1])}"' in ledger and f'href="{card}"' in ledger
    cards = client.get(card)
    assert cards.status_code == 200 and [m for m, _qr, _t in cards.context["cards"]] == [member]
    assert client.get(certificate).status_code == 200


def test_one_card_of_a_member_out_of_scope_is_404(people):
    other = people["members"]["c2_1"][0]
    client = login(people["users"]["secretary"])
    assert client.get(reverse("attendance:member_cards"), {"member": other.pk}).status_code == 404
    assert client.get(reverse("attendance:member_cards"), {"member": "x"}).status_code == 404
