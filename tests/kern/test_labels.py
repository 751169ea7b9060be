"""Every barcode Deelpunt prints must decode back to the same value with an ordinary
reader: render to PDF, rasterise with pdftoppm, decode with zbarimg."""

import subprocess
from pathlib import Path

import pytest

from kern import barcodes
from kern.barcodes import CodeType
from kern.labels import A4_3X8, SINGLE_62X29, Label, barcode_svg, labels_pdf
from tests.conftest import require_tool


def decode_pdf(pdf: bytes, tmp_path: Path, dpi: int = 200) -> list[str]:
    pdftoppm = require_tool("pdftoppm", "apt-get install poppler-utils")
    zbarimg = require_tool("zbarimg", "apt-get install zbar-tools")
    source = tmp_path / "labels.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [pdftoppm, "-r", str(dpi), "-gray", "-png", source, tmp_path / "page"], check=True
    )
    values = []
    for page in sorted(tmp_path.glob("page-*.png")):
        found = subprocess.run(
            [zbarimg, "--quiet", "--raw", "-Sdisable", "-Scode128.enable", page],
            capture_output=True,
            text=True,
        )
        values += [line for line in found.stdout.splitlines() if line]
    return values


def sample_codes() -> list[str]:
    codes = []
    for code_type in CodeType:
        for number in (1, 427, 99_999, 1_234_567):
            codes.append(barcodes.encode(code_type, number))
    return codes


def test_a4_sheet_every_barcode_decodes_back_exactly(tmp_path):
    codes = sample_codes()  # 28 codes: a full sheet of 24 and a second page
    labels = [
        Label(code, title=f'Kinderfiets 20" nr {i}', subtitle="Fietsbib · Magazijn")
        for i, code in enumerate(codes)
    ]
    pdf = labels_pdf(labels, layout=A4_3X8)
    decoded = decode_pdf(pdf, tmp_path)
    assert sorted(decoded) == sorted(codes)


def test_single_label_decodes_back_exactly(tmp_path):
    code = barcodes.encode(CodeType.ITEM, 31337)
    pdf = labels_pdf(
        [Label(code, title="Autostoel Maxi-Cosi", subtitle="R129 · 2024")], layout=SINGLE_62X29
    )
    assert decode_pdf(pdf, tmp_path, dpi=300) == [code]


def test_sheet_with_skipped_labels_still_decodes_and_flows_to_next_page(tmp_path):
    codes = [barcodes.encode(CodeType.PRODUCT, n) for n in range(1, 6)]
    pdf = labels_pdf([Label(c) for c in codes], layout=A4_3X8, skip=22)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 1
    assert sorted(decode_pdf(pdf, tmp_path)) == sorted(codes)


def test_barcode_svg_is_an_svg_without_xml_declaration():
    svg = barcode_svg(barcodes.encode(CodeType.HOUSEHOLD, 5))
    assert svg.startswith("<svg")
    assert "<rect" in svg
    assert "style=" not in svg  # a strict CSP would drop inline styles


@pytest.mark.parametrize("layout", [A4_3X8, SINGLE_62X29])
def test_layout_labels_fit_on_the_page(layout):
    for index in range(layout.per_page):
        x, y = layout.origin(index)
        assert x >= 0 and y >= -0.01
        assert x + layout.label_width <= layout.page_width + 0.01
        assert y + layout.label_height <= layout.page_height + 0.01
