import datetime as dt
import logging

import pytest

from tereze.core.identity import IdentityNumberError, make_bin, make_iin, mask, parse_iin, validate_bin
from tereze.core.logmask import mask_text


@pytest.mark.parametrize("iin, birth, sex", [
    ("900101300007", dt.date(1990, 1, 1), "M"),
    ("010203500008", dt.date(2001, 2, 3), "M"),
    ("850615400006", dt.date(1985, 6, 15), "F"),
])
def test_parse_iin_valid_numbers_give_birth_date_and_sex(iin: str, birth: dt.date, sex: str) -> None:
    parsed = parse_iin(iin)
    assert (parsed.birth_date, parsed.sex) == (birth, sex)


def test_iin_check_digit_second_pass_is_used_when_first_gives_ten() -> None:
    # 11 digits whose first weighted sum is 10 mod 11: the second weights decide the check digit.
    for serial in range(10_000):
        eleven = f"9001013{serial:04d}"
        if sum(int(c) * w for c, w in zip(eleven, range(1, 12), strict=True)) % 11 == 10:
            second = sum(int(c) * w for c, w in zip(eleven, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
            if second != 10:
                assert parse_iin(f"{eleven}{second}").value == f"{eleven}{second}"
                return
    pytest.fail("no serial needing the second pass found")


@pytest.mark.parametrize("iin, message", [
    ("900101300005", "check digit does not match"),
    ("901301300005", "month 13 is not a date"),
    ("900231300005", "day 31 is not a date in 1990-02"),
    ("900101700005", "digit 7 must be 1-6"),
    ("90010130000", "must be 12 digits"),
    ("90010130000a", "digits only"),
    ("", "digits only"),
])
def test_parse_iin_invalid_numbers_say_what_is_wrong(iin: str, message: str) -> None:
    with pytest.raises(IdentityNumberError, match=message):
        parse_iin(iin)


def test_iin_without_any_valid_check_digit_is_refused() -> None:
    for serial in range(10_000):
        eleven = f"9001013{serial:04d}"
        first = sum(int(c) * w for c, w in zip(eleven, range(1, 12), strict=True)) % 11
        second = sum(int(c) * w for c, w in zip(eleven, (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2), strict=True)) % 11
        if first == 10 and second == 10:
            with pytest.raises(IdentityNumberError, match="no valid check digit"):
                parse_iin(f"{eleven}0")
            return
    pytest.fail("no such serial")


def test_bin_valid_and_invalid() -> None:
    good = make_bin(registered=dt.date(2015, 7, 1), serial=5)
    assert validate_bin(good) == good
    with pytest.raises(IdentityNumberError, match="BIN month 13 is not a date"):
        validate_bin("151340000012")
    with pytest.raises(IdentityNumberError, match="digit 5 must be 4, 5 or 6"):
        validate_bin(good[:4] + "1" + good[5:])
    broken = good[:11] + str((int(good[11]) + 1) % 10)
    with pytest.raises(IdentityNumberError, match="check digit does not match"):
        validate_bin(broken)


def test_generated_iins_are_valid() -> None:
    for n in range(200):
        iin = make_iin(birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=n * 97), sex="MF"[n % 2], serial=n)
        assert parse_iin(iin).value == iin


def test_mask_keeps_only_the_ends() -> None:
    assert mask("900101300007") == "9001******07"


def test_logs_never_carry_iins_or_phones(caplog: pytest.LogCaptureFixture) -> None:
    from tereze.core.logmask import MaskPersonalData

    logger = logging.getLogger("tereze.test")
    logger.addFilter(MaskPersonalData())
    with caplog.at_level(logging.INFO, logger="tereze.test"):
        logger.info("applicant %s called from %s", "900101300005", "+7 701 234 56 78")
    assert "900101300005" not in caplog.text and "234 56 78" not in caplog.text
    assert "9001******05" in caplog.text
    assert mask_text("no numbers here") == "no numbers here"
