"""Turning what people type into spreadsheets into clean values.

Real rosters mix full-width digits, stray spaces, phone numbers stored as numbers and dates in
half a dozen spellings; each parser returns a clean value or raises ValueError with a message (in
the interface language) that the import shows next to the row and column. The words a cell may
hold (是/否 …) are part of the file format and stay Chinese.
"""

import re
import unicodedata
from datetime import date, datetime, timedelta

from django.utils.translation import gettext as _

PHONE_RE = re.compile(r"^1[3-9]\d{9}$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"\s+")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[年./\-](\d{1,2})[月./\-](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
    re.compile(r"^(\d{4})[年./\-](\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})$"),
    re.compile(r"^(\d{4})年?$"),
)


def clean_text(value) -> str:
    """NFKC folds full-width letters and digits to ASCII; whitespace runs collapse to one space."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))
    return _SPACES.sub(" ", text).strip()


def sign_in_username(value) -> str:
    """The username as sign-in looks it up: full-width digits folded, every space dropped.

    The sign-in throttle counts failures under this same key (people.throttle), so no spelling that signs
    in as an account escapes that account's counter."""
    return clean_text(value).replace(" ", "")


def parse_phone(value) -> str:
    text = clean_text(value).replace(" ", "").replace("-", "")
    if text.startswith("+86"):
        text = text[3:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    if not PHONE_RE.match(text):
        raise ValueError(_("手机号码“%(value)s”不是有效的11位大陆手机号") % {"value": clean_text(value)})
    return text


def id_checksum_ok(id_number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(id_number[:17], ID_WEIGHTS))
    return ID_CHECK[total % 11] == id_number[17]


def parse_id_number(value) -> str:
    text = clean_text(value).replace(" ", "").upper()
    if not text:
        return ""
    if not re.match(r"^\d{17}[\dX]$", text):
        raise ValueError(_("身份证号应为18位（前17位为数字，最后一位为数字或X）"))
    if not id_checksum_ok(text):
        raise ValueError(_("身份证号校验位不正确"))
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise ValueError(_("身份证号中的出生日期无效")) from None
    return text


def birth_date_from_id(id_number: str) -> date | None:
    if len(id_number) != 18:
        return None
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def parse_date(value) -> date | None:
    """Accept date cells, Excel serial numbers and text such as 1985.03, 1985-3-1, 1985年3月1日."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        serial = int(value)
        if 10000 <= serial <= 80000:  # 1927..2119 as Excel serials
            return EXCEL_EPOCH + timedelta(days=serial)
        value = str(serial)
    text = clean_text(value).replace(" ", "")
    if not text:
        return None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = [int(p) for p in m.groups()] + [1, 1]
            year, month, day = parts[0], parts[1], parts[2]
            try:
                result = date(year, month, day)
            except ValueError:
                break
            if not 1900 <= result.year <= 2100:
                break
            return result
    if re.match(r"^\d{1,9}(\.\d+)?$", text) and 10000 <= (serial := int(float(text))) <= 80000:
        return EXCEL_EPOCH + timedelta(days=serial)  # an Excel serial typed as text
    raise ValueError(_("日期“%(value)s”无法识别，请写成 1985-03-01、1985.03 或 1985年3月1日") % {"value": text})


TRUE_WORDS = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
FALSE_WORDS = {"", "否", "n", "no", "false", "0", "×", "无", "-"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = clean_text(value).lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ValueError(_("“%(value)s”应填“是”或“否”") % {"value": text})


def parse_choice(value, choices: dict[str, str], label: str) -> str:
    """Map a Chinese label (or the code itself) to the stored code."""
    text = clean_text(value)
    if text in choices:
        return choices[text]
    if text in choices.values():
        return text
    options = "、".join(k for k in choices if k)
    raise ValueError(_("%(column)s“%(value)s”不在可选范围内（%(options)s）") % {"column": label, "value": text, "options": options})
