"""Messy spreadsheet values: full-width digits, stray spaces, numbers, dates in many spellings."""

from datetime import date

import pytest

from dangxiao.core.masking import mask_id_number, mask_phone
from dangxiao.people import normalize as n

from .factories import valid_id_number


@pytest.mark.parametrize(
    "raw",
    ["13812341234", " 138 1234 1234 ", "１３８１２３４１２３４", 13812341234, 13812341234.0, "+86 138-1234-1234", "8613812341234"],
)
def test_phone_spellings_are_accepted(raw):
    assert n.parse_phone(raw) == "13812341234"


@pytest.mark.parametrize("raw", ["1234", "23812341234", "1381234123", "138123412345", "abc"])
def test_bad_phones_are_refused_in_chinese(raw):
    with pytest.raises(ValueError, match="手机号"):
        n.parse_phone(raw)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (date(1985, 3, 1), date(1985, 3, 1)),
        (31107, date(1985, 3, 1)),
        (31107.0, date(1985, 3, 1)),
        ("1985.03", date(1985, 3, 1)),
        ("1985.3", date(1985, 3, 1)),
        ("1985-3-1", date(1985, 3, 1)),
        ("1985/03/01", date(1985, 3, 1)),
        ("1985年3月1日", date(1985, 3, 1)),
        ("1985年3月", date(1985, 3, 1)),
        ("１９８５年３月１日", date(1985, 3, 1)),
        ("19850301", date(1985, 3, 1)),
        (" 1985-03-01 ", date(1985, 3, 1)),
        ("", None),
        (None, None),
    ],
)
def test_date_spellings_are_accepted(raw, expected):
    assert n.parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["1985-13-01", "明年", "1985-02-30", "0", 0, 5, False, "99999999999", 99999999999])
def test_bad_dates_are_refused(raw):
    with pytest.raises(ValueError, match="日期"):
        n.parse_date(raw)


def test_id_number_checksum():
    good = valid_id_number()
    assert n.parse_id_number(good) == good
    assert n.parse_id_number(good.lower()) == good
    assert n.parse_id_number("".join(chr(ord(c) + 0xFEE0) for c in good)) == good  # full-width
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValueError, match="校验位"):
        n.parse_id_number(bad)
    with pytest.raises(ValueError, match="18位"):
        n.parse_id_number("43010319850301")


def test_masks():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_id_number("43010219850301123X") == "430102********123X"
    assert mask_phone("") == "" and mask_id_number(None) == ""


@pytest.mark.parametrize("raw, expected", [("是", True), ("否", False), ("", False), ("Y", True), ("√", True), (1, True), (0, False)])
def test_yes_no(raw, expected):
    assert n.parse_bool(raw) is expected
