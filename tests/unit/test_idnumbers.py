"""R8: Swedish personal identity and coordination numbers, with every common separator."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluation.exceptions import IdentityNumberError, ParameterError, PrivacyError
from evaluation.idnumbers import (
    contains_identity_number,
    find_identity_numbers,
    first_identity_number_row,
    guard_frame,
    guard_mapping,
    is_identity_number,
    redact,
)


def luhn_digit(nine: str) -> str:
    """The check digit Skatteverket's rule gives nine digits (written here independently)."""
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 - i % 2)
        total += d // 10 + d % 10
    return str((10 - total % 10) % 10)


def with_check(yymmdd: str, serial: str) -> str:
    return yymmdd + serial + luhn_digit(yymmdd + serial)


# Skatteverket's published test numbers (Luhn checked in test_test_numbers_are_valid).
TEST_NUMBERS = ["19121212-1212", "191212121212", "121212-1212", "189001019802", "900101-9802"]
# Coordination numbers: the day plus 60, check digit recomputed.
COORDINATION = [
    with_check("121272", "121"),  # 1912-12-12
    with_check("900161", "980"),  # 1890-01-01 / 1990-01-01
    "20" + with_check("000161", "000"),  # 2000-01-01, twelve digits
]
SEPARATORS = {
    "hyphen-minus": "-",
    "plus (100 years or older)": "+",
    "space": " ",
    "hyphen U+2010": "\u2010",
    "non-breaking hyphen U+2011": "\u2011",
    "figure dash U+2012": "\u2012",
    "en dash U+2013": "\u2013",
    "em dash U+2014": "\u2014",
    "horizontal bar U+2015": "\u2015",
    "minus sign U+2212": "\u2212",
    "no-break space U+00A0": "\u00a0",
    "narrow no-break space U+202F": "\u202f",
    "thin space U+2009": "\u2009",
    "en space U+2002": "\u2002",
    "ideographic space U+3000": "\u3000",
    "soft hyphen U+00AD": "\u00ad",
    "zero-width space U+200B": "\u200b",
    "full-width hyphen U+FF0D": "\uff0d",
    "tab": "\t",
}


def test_test_numbers_are_valid() -> None:
    for number in TEST_NUMBERS:
        digits = number.replace("-", "")[-10:]
        assert luhn_digit(digits[:9]) == digits[9], number
        assert is_identity_number(number), number


@pytest.mark.parametrize("number", COORDINATION)
def test_coordination_numbers_are_found(number: str) -> None:
    assert is_identity_number(number)
    assert contains_identity_number(f"ärende {number[:-4]}-{number[-4:]} avslutat")


@pytest.mark.parametrize("name", sorted(SEPARATORS))
@pytest.mark.parametrize("number", ["191212121212", "1212121212", COORDINATION[0]])
def test_every_separator_is_recognised(name: str, number: str) -> None:
    written = number[:-4] + SEPARATORS[name] + number[-4:]
    assert contains_identity_number(f"Område {written} norra"), (name, written)
    assert first_identity_number_row(pd.Series(["Berga", f"x {written} y"])) == 1, name
    assert redact(f"a {written} b") == "a [dolt] b"


def test_digits_of_other_scripts_count() -> None:
    assert contains_identity_number("１９１２１２１２-１２１２")  # full-width digits
    assert first_identity_number_row(pd.Series(["a", "１９１２１２１２-１２１２"])) == 1


@pytest.mark.parametrize(
    "text",
    [
        "19121212-1213",  # wrong check digit
        "19121312-1212",  # month 13
        "121232-1219",  # day 32, and not a coordination number either (92 > 91)
        "171212121212",  # century 17
        "1234567890",  # no valid date
        "2019-2020",
        "12 345 678",  # thousands separators
        "0580A0010",  # an area code
        "1912121212123",  # 13 digits: part of a longer number
        "19121212.1212",  # '.' is not a separator
    ],
)
def test_non_numbers_are_not_flagged(text: str) -> None:
    assert not contains_identity_number(text), text


def test_spans_point_at_the_number() -> None:
    text = "a 121212\u20111212 och 19121212 1212"
    spans = find_identity_numbers(text)
    assert [text[s:e] for s, e in spans] == ["121212\u20111212", "19121212 1212"]


def test_guard_frame_names_row_and_column_never_the_value(tmp_path) -> None:
    frame = pd.DataFrame({"area_code": ["A", "B"], "area_name": ["Berga", "19121212\u20111212"]})
    with pytest.raises(IdentityNumberError) as err:
        guard_frame(frame, tmp_path / "areas.gpkg")
    text = str(err.value)
    assert "rad 3" in text and "area_name" in text and "areas.gpkg" in text
    assert "1212" not in text
    header = pd.DataFrame({"121212-1212": ["x"]})
    with pytest.raises(IdentityNumberError) as err:
        guard_frame(header, tmp_path / "areas.gpkg")
    assert "rad 1" in str(err.value) and "1212" not in str(err.value)


def test_guard_mapping_checks_keys_values_and_numbers(tmp_path) -> None:
    def error(where):
        return ParameterError("id", parameter=where)

    guard_mapping({"area": "Berga", "privacy": {"min_count": 5}}, tmp_path, error)
    for doc, where in [
        ({"title": "Rapport 19121212\u00a01212"}, "title"),
        ({"comparison_areas": ["Ryd", "121212\u22121212"]}, "comparison_areas.1"),
        ({"survey": {"191212121212": 3}}, "survey.[dolt]"),
        ({"area": 1212121212}, "area"),  # YAML reads unquoted digits as a number
    ]:
        with pytest.raises(ParameterError) as err:
            guard_mapping(doc, tmp_path, error)
        assert err.value.parameter == where and "1212" not in str(err.value)


def test_area_slug_refuses_an_identity_number() -> None:
    from evaluation.render.paths import area_slug

    assert area_slug("Skäggetorp") == "skaggetorp"
    for name in ("19121212-1212", "121212\u20111212", "Område 121212\u00a01212"):
        with pytest.raises(PrivacyError) as err:
            area_slug(name)
        assert "1212" not in str(err.value)


def test_the_search_finds_exactly_the_numbers_a_plain_reading_of_the_rule_finds():
    # The rule read plainly: 10 or 12 digits with no digit on either side, an optional
    # separator before the last four, a real date (day + 60 for coordination numbers)
    # and the Luhn digit. The scanner's pattern is shaped for speed; on random text
    # dense with digits and separators both must find the same numbers.
    import random
    import re
    from datetime import date

    from evaluation.idnumbers import SEPARATORS

    plain = re.compile(rf"(?<!\d)(\d{{2}})?(\d{{6}})[{SEPARATORS}]?(\d{{4}})(?!\d)")

    def valid(century: str, yymmdd: str, last4: str) -> bool:
        digits = [int(c) for c in yymmdd + last4]
        total = sum((d * 2) // 10 + (d * 2) % 10 if i % 2 == 0 else d for i, d in enumerate(digits))
        if total % 10:
            return False
        yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
        dd = dd - 60 if dd > 60 else dd
        if century and int(century) not in (18, 19, 20):
            return False
        for year in [int(century) * 100 + yy] if century else [1900 + yy, 2000 + yy]:
            try:
                date(year, mm, dd)
                return True
            except ValueError:
                pass
        return False

    rng = random.Random(7)
    numbers = [
        with_check(f"{y:02d}{m:02d}{d:02d}", "123") for y, m, d in ((85, 4, 1), (12, 12, 72))
    ]
    pieces = [*"0123456789", "-", "+", " ", "\u2013", "\u00a0", "a", "\u0663", *numbers]
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
        expected = [m.span() for m in plain.finditer(text) if valid(m[1] or "", m[2], m[3])]
        assert find_identity_numbers(text) == expected, text
        found += len(expected)
    assert found > 1000  # the text held many numbers, not only non-numbers
