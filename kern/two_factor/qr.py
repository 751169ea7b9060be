"""The enrolment QR code as an SVG data URL, made here (reportlab's QR encoder), so the
secret never leaves the server and the CSP (img-src 'self' data:) allows it."""

from __future__ import annotations

import base64

from reportlab.graphics.barcode.qr import QrCodeWidget

QUIET_ZONE = 4  # modules of white around the code, as the QR standard asks


def qr_svg(value: str) -> str:
    widget = QrCodeWidget(value, barLevel="M")
    widget.qr.make()
    modules: list[list[bool | None]] = widget.qr.modules
    size = len(modules) + 2 * QUIET_ZONE
    runs: list[str] = []
    for row_index, row in enumerate(modules):
        column = 0
        while column < len(row):
            if row[column]:
                start = column
                while column < len(row) and row[column]:
                    column += 1
                runs.append(
                    f"M{start + QUIET_ZONE} {row_index + QUIET_ZONE}h{column - start}v1h-{column - start}z"
                )
            else:
                column += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_data_url(value: str) -> str:
    encoded = base64.b64encode(qr_svg(value).encode()).decode("ascii")
    return f"data:image/svg+xml;base64,{encoded}"
