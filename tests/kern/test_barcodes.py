import pytest
from django.utils import translation

from kern import barcodes
from kern.barcodes import ALPHABET, BarcodeError, CodeType

UITPAS_TEST_PASSES = [
    "0900000095902",
    "0900000067513",
    "0900000031618",
    "0900010959113",
    "0900000002312",
    "0900000058918",
    "1000000520006",
    "0900000093204",
    "0900000074519",
]


@pytest.fixture(autouse=True)
def dutch():
    with translation.override("nl-be"):
        yield


@pytest.mark.parametrize("code_type", list(CodeType))
@pytest.mark.parametrize("number", [0, 1, 42, 999_999, 1_000_000, 123_456_789_012])
def test_encode_then_decode_returns_type_and_number(code_type, number):
    code = barcodes.encode(code_type, number)
    parsed = barcodes.decode(code)
    assert (parsed.type, parsed.number) == (code_type, number)
    assert str(parsed) == code


def test_encoded_codes_use_only_keyboard_safe_characters():
    for number in range(0, 5000, 7):
        code = barcodes.encode(CodeType.HOUSEHOLD, number)
        assert set(code[1:]) <= set(ALPHABET)
        assert not set(code) & set("AQZWMIO")


def test_every_single_wrong_character_is_caught():
    code = barcodes.encode(CodeType.ITEM, 4711)
    for position in range(1, len(code)):
        for replacement in ALPHABET:
            if replacement == code[position]:
                continue
            typo = code[:position] + replacement + code[position + 1 :]
            with pytest.raises(BarcodeError):
                barcodes.decode(typo)


def test_every_swap_of_two_neighbouring_characters_is_caught():
    code = barcodes.encode(CodeType.PRODUCT, 1_234_560)
    for position in range(1, len(code) - 1):
        if code[position] == code[position + 1]:
            continue
        swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
        with pytest.raises(BarcodeError):
            barcodes.decode(swapped)


def test_decode_reads_what_an_azerty_keyboard_typed_for_a_us_layout_scanner():
    code = barcodes.encode(CodeType.HOUSEHOLD, 1_234_567)  # G1234567 + check
    typed = code[0] + code[1:].translate(str.maketrans("1234567890", "&é\"'(§è!çà"))
    assert barcodes.decode(typed).number == 1_234_567


def test_decode_accepts_lower_case_spaces_and_dashes():
    code = barcodes.encode(CodeType.LOCATION, 12)
    messy = f"  {code[0].lower()}-{code[1:4]} {code[4:]}\n"
    assert barcodes.decode(messy).number == 12


def test_decode_mistyped_check_character_says_it_is_probably_a_typo_in_dutch():
    code = barcodes.encode(CodeType.HOUSEHOLD, 427)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(BarcodeError) as caught:
        barcodes.decode(wrong)
    assert "controleteken" in caught.value.message
    assert wrong in caught.value.message


def test_decode_unknown_prefix_names_the_letter():
    with pytest.raises(BarcodeError, match="onbekende letter"):
        barcodes.decode("X0000019")


def test_decode_with_expected_type_rejects_another_type():
    code = barcodes.encode(CodeType.PRODUCT, 5)
    with pytest.raises(BarcodeError, match="productcode"):
        barcodes.decode(code, expect=CodeType.HOUSEHOLD)


@pytest.mark.parametrize("text", ["", "G12", "hello", "G00000012345678901234"])
def test_decode_rejects_text_that_is_no_deelpunt_code(text):
    with pytest.raises(BarcodeError):
        barcodes.decode(text)


@pytest.mark.parametrize(
    "ean", ["5410013101239", "5400141022506", "4006381333931", "96385074", "036000291452"]
)
def test_parse_gtin_accepts_valid_ean_and_upc(ean):
    assert len(barcodes.parse_gtin(ean)) in (8, 13)


def test_parse_gtin_pads_upc_a_to_thirteen_digits():
    assert barcodes.parse_gtin("036000291452") == "0036000291452"


def test_parse_gtin_mistyped_check_digit_has_dutch_message():
    with pytest.raises(BarcodeError) as caught:
        barcodes.parse_gtin("5410013101238")
    assert "controlecijfer" in caught.value.message
    assert "5410013101238" in caught.value.message


def test_parse_gtin_wrong_length_has_dutch_message():
    with pytest.raises(BarcodeError, match="8, 12, 13 of 14 cijfers"):
        barcodes.parse_gtin("12345")


@pytest.mark.parametrize("number", UITPAS_TEST_PASSES)
def test_parse_uitpas_number_accepts_publiq_test_passes(number):
    assert barcodes.parse_uitpas_number(number) == number


def test_parse_uitpas_number_flags_a_failed_luhn_check_as_a_typo():
    with pytest.raises(BarcodeError) as caught:
        barcodes.parse_uitpas_number("0900000095903")
    assert "controlecijfer" in caught.value.message
    assert "tikfout" in caught.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [("090000009590", "12"), ("09000000959021", "14"), ("09000000959O2", "cijfers")],
)
def test_parse_uitpas_number_wrong_length_or_letters_says_so(text, expected):
    with pytest.raises(BarcodeError, match=expected):
        barcodes.parse_uitpas_number(text)


def test_luhn_check_digit_completes_a_number():
    body = "090000009590"
    assert barcodes.luhn_check_digit(body) == "2"


def test_recognise_internal_code():
    code = barcodes.encode(CodeType.REFERRAL, 77)
    recognised = barcodes.recognise(code)
    assert recognised.internal.type == CodeType.REFERRAL
    assert recognised.kinds == [barcodes.ScanKind.INTERNAL]


def test_recognise_uitpas_number_that_is_no_ean():
    recognised = barcodes.recognise("0900000095902")
    assert recognised.uitpas_number == "0900000095902"
    assert recognised.gtin is None


def test_recognise_ean_that_is_no_uitpas_number():
    recognised = barcodes.recognise("4006381333931")
    assert recognised.gtin == "4006381333931"
    assert recognised.uitpas_number is None


def test_recognise_thirteen_digits_valid_as_both_keeps_both_candidates():
    recognised = barcodes.recognise("0900000031618")
    assert recognised.kinds == [barcodes.ScanKind.UITPAS, barcodes.ScanKind.GTIN]


def test_recognise_thirteen_digits_valid_as_neither_explains_in_dutch():
    with pytest.raises(BarcodeError) as caught:
        barcodes.recognise("0900000095903")
    assert "UiTPAS" in caught.value.message and "EAN" in caught.value.message


def test_recognise_nothing_scanned():
    with pytest.raises(BarcodeError, match="Er werd niets gescand"):
        barcodes.recognise("   ")
