"""The counter's documents: the receipt of a distribution and the loan agreement in the
household's language, with only its code (a name with consent), and the confirm card
whose big barcode a scanner reads as the confirm code."""

from __future__ import annotations

import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from tests.conftest import require_tool
from tests.factories import OpeningHoursFactory
from uitlening import documents
from uitlening.codes import CONFIRM_CODE
from uitlening.models import Loan
from uitlening.selectors import LoanLine, ReturnLine
from uitlening.services import ProductLine, checkout_loan, exchange_loan, record_distribution

pytestmark = pytest.mark.django_db

#: Set to a folder to keep the rendered pages for a look (pdftoppm PNGs).
KEEP = os.environ.get("DEELPUNT_KEEP_PDF_PAGES", "")


def pdf_text(pdf: bytes, tmp_path: Path, name: str = "document") -> str:
    pdftotext = require_tool("pdftotext", "apt-get install poppler-utils")
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf)
    if KEEP:
        pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
        Path(KEEP).mkdir(parents=True, exist_ok=True)
        subprocess.run([pdftoppm, "-r", "70", "-png", source, Path(KEEP) / name], check=True)
    found = subprocess.run([pdftotext, source, "-"], capture_output=True, text=True, check=True)
    return " ".join(found.stdout.split())


def decode(pdf: bytes, tmp_path: Path) -> list[str]:
    """What zbar reads as Code 128 in the PDF rasterised at 150 dpi (a cheap printer)."""
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    source = tmp_path / "scan.pdf"
    source.write_bytes(pdf)
    subprocess.run([pdftoppm, "-r", "150", "-gray", "-png", source, tmp_path / "page"], check=True)
    images = sorted(tmp_path.glob("page*.png"))
    found = subprocess.run(
        [zbarimg, "--quiet", "--raw", "-Sdisable", "-Scode128.enable", *map(str, images)],
        capture_output=True,
        text=True,
    )
    return found.stdout.split()


@pytest.fixture
def handed_out(volunteer, point, family, diapers, wipes):
    return record_distribution(
        actor=volunteer,
        location=point,
        household=family,
        lines=[ProductLine(diapers, 3), ProductLine(wipes, 1)],
    )


def lend_stroller(volunteer, point, family, stroller, **kwargs):
    kwargs.setdefault("deposit_payment", Loan.DepositPayment.CASH)
    return checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=stroller,
        accessories=stroller.accessories,
        condition="goed, kleine kras op de bak",
        **kwargs,
    )


# --- The receipt ------------------------------------------------------------------------


def test_receipt_lists_packs_per_product_program_payment_point_and_day(handed_out, tmp_path):
    text = pdf_text(documents.receipt_pdf(handed_out), tmp_path, "receipt-nl")

    assert "Ontvangstbewijs" in text
    assert "Luiers maat 4" in text and "Billendoekjes" in text
    assert "Pamperbank" in text
    assert "Uitdeelpunt Centrum" in text
    assert timezone.localdate().strftime("%d/%m/%Y") in text
    assert handed_out.household.code in text
    assert "Gratis" in text
    assert "Totaal 4" in text  # 3 + 1 packs


def test_receipt_names_the_family_only_with_consent(handed_out, tmp_path):
    household = handed_out.household
    assert handed_out.household.code in pdf_text(documents.receipt_pdf(handed_out), tmp_path)
    household.first_name = "Amina"
    assert documents.receipt(handed_out).name == ""  # a name without consent is never printed

    household.consent_at = timezone.now()
    household.save()
    assert "Amina" in pdf_text(documents.receipt_pdf(handed_out), tmp_path)


@pytest.mark.parametrize(
    ("language", "title", "free"),
    [("fr", "Reçu", "Gratuit"), ("en", "Receipt", "Free"), ("nl", "Ontvangstbewijs", "Gratis")],
)
def test_receipt_is_in_the_households_language(handed_out, tmp_path, language, title, free):
    handed_out.household.language = language
    handed_out.household.save()

    text = pdf_text(documents.receipt_pdf(handed_out), tmp_path, f"receipt-{language}")

    assert title in text and free in text


def test_a_language_without_documents_gets_dutch(handed_out, tmp_path):
    handed_out.household.language = "ar"
    assert documents.document_language(handed_out.household) is None
    assert "Ontvangstbewijs" in pdf_text(documents.receipt_pdf(handed_out), tmp_path)


def test_receipt_of_a_cancelled_distribution_says_so(handed_out, volunteer, tmp_path):
    from uitlening.services import correct_distribution

    correct_distribution(actor=volunteer, distribution=handed_out, reason="verkeerde maat")
    handed_out.refresh_from_db()

    text = pdf_text(documents.receipt_pdf(handed_out), tmp_path)

    assert "dezelfde dag geannuleerd: verkeerde maat" in text


def test_receipt_says_what_was_paid_and_how(handed_out):
    handed_out.contribution = Decimal("2.50")
    handed_out.payment = "payconiq"
    assert documents.receipt(handed_out).paid_text == "€ 2,50, betaald met Payconiq"


# --- The loan agreement -----------------------------------------------------------------


def test_loan_agreement_has_item_accessories_condition_due_date_deposit_hours_and_signatures(
    volunteer, point, family, stroller, tmp_path
):
    OpeningHoursFactory(location=point, weekday=1)
    loan = lend_stroller(volunteer, point, family, stroller)

    text = pdf_text(documents.loan_agreement_pdf(loan), tmp_path, "agreement-nl")

    assert "Uitleenovereenkomst" in text
    assert "Bugaboo Fox" in text and stroller.code in text
    assert "regenhoes, voetenzak" in text
    assert "kleine kras op de bak" in text
    assert loan.due_on.strftime("%d/%m/%Y") in text
    assert "€ 5,00, betaald door het gezin in contant geld" in text  # the social deposit
    assert "beschadigd" in text.lower() and "te laat" in text.lower()
    assert "dinsdag" in text.lower()  # the point's opening hours
    assert "Handtekening" in text or "handtekening" in text
    assert family.code in text


def test_loan_agreement_names_the_third_party_that_paid(
    volunteer, point, family, stroller, tmp_path
):
    loan = lend_stroller(
        volunteer,
        point,
        family,
        stroller,
        deposit_payer=Loan.Payer.THIRD_PARTY,
        deposit_payment=Loan.DepositPayment.NONE,
        third_party="OCMW Gent",
    )
    assert "betaald door OCMW Gent" in pdf_text(documents.loan_agreement_pdf(loan), tmp_path)


def test_loan_agreement_after_an_exchange_says_the_deposit_carried_over(
    volunteer, point, family, small_bike, big_bike
):
    first = checkout_loan(
        actor=volunteer,
        location=point,
        household=family,
        item=small_bike,
        accessories=[],
        condition="goed",
        deposit_payment=Loan.DepositPayment.CASH,
    )
    loan = exchange_loan(
        actor=volunteer,
        location=point,
        loan=first,
        back=ReturnLine(item=small_bike, condition="goed"),
        out=LoanLine(item=big_bike, accessories=(), condition="goed", deposit_payment="cash"),
    )
    text = documents.deposit_text(loan)
    assert "€ 10,00 overgedragen" in text and "€ 5,00 extra betaald" in text


@pytest.mark.parametrize(
    ("language", "title"), [("fr", "Contrat de prêt"), ("en", "Loan agreement")]
)
def test_loan_agreement_is_in_the_households_language(
    volunteer, point, family, stroller, tmp_path, language, title
):
    family.language = language
    family.save()
    loan = lend_stroller(volunteer, point, family, stroller)

    text = pdf_text(documents.loan_agreement_pdf(loan), tmp_path, f"agreement-{language}")

    assert title in text
    assert "Uitleenovereenkomst" not in text


# --- The confirm card -------------------------------------------------------------------


def test_confirm_card_scans_as_the_confirm_code(tmp_path):
    pdf = documents.confirm_card_pdf()
    assert pdf_text(pdf, tmp_path, "confirm-card").count(CONFIRM_CODE) == 2
    assert set(decode(pdf, tmp_path)) == {CONFIRM_CODE}
