"""PDFs: the receipt given at acceptance and the result document with its verification QR code.

reportlab's built-in fonts have no Cyrillic, so a DejaVu TTF is registered when the system has one
(Debian: fonts-dejavu-core); otherwise Latin text only is guaranteed.
"""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from tereze.applications.models import Application, Result

FONT_CANDIDATES = [Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
                   Path(__file__).resolve().parent.parent / "static" / "fonts" / "DejaVuSans.ttf"]


def _font() -> str:
    if "DejaVu" in pdfmetrics.getRegisteredFontNames():
        return "DejaVu"
    for candidate in FONT_CANDIDATES:
        if candidate.exists():
            pdfmetrics.registerFont(TTFont("DejaVu", str(candidate)))
            return "DejaVu"
    return "Helvetica"


def _page(title: str, lines: list[tuple[str, str]]) -> tuple[Canvas, io.BytesIO, float]:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    font = _font()
    canvas.setTitle(title)
    canvas.setFont(font, 16)
    y = A4[1] - 25 * mm
    canvas.drawString(20 * mm, y, title)
    canvas.setFont(font, 10)
    y -= 12 * mm
    for label, value in lines:
        canvas.drawString(20 * mm, y, f"{label}:")
        canvas.drawString(75 * mm, y, str(value)[:90])
        y -= 7 * mm
    return canvas, buffer, y


def verification_url(code: str) -> str:
    return settings.TEREZE_PUBLIC_URL.rstrip("/") + reverse("verify-result", args=[code])


def _draw_qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    """Draw the QR code as vector squares (no image library needed)."""
    matrix = segno.make(data, error="m").matrix
    cell = size / len(matrix)
    for row_index, row in enumerate(matrix):
        for col_index, dark in enumerate(row):
            if dark:
                canvas.rect(x + col_index * cell, y + size - (row_index + 1) * cell, cell, cell, stroke=0, fill=1)


def receipt_lines(application: Application) -> list[tuple[str, str]]:
    documents = ", ".join(d.code for d in application.documents.all()) or "-"
    accepted_by = application.centre.t("name") if application.centre else application.get_channel_display()
    accepted_by_person = application.accepted_by.username if application.accepted_by else _("online")
    return [
        (_("Application"), application.number),
        (_("Service"), f"{application.service.code} {application.service.t('name')}"),
        (_("Accepted"), timezone.localtime(application.accepted_at).strftime("%Y-%m-%d %H:%M")
         if application.accepted_at else "-"),
        (_("Accepted by"), f"{accepted_by} ({accepted_by_person})"),
        (_("Documents"), documents),
        (_("Responsible body"), application.body.t("name")),
        (_("Due date"), application.due_date.isoformat() if application.due_date else "-"),
        (_("Result issued at"), application.centre.t("name") if application.centre else _("personal cabinet (portal)")),
    ]


def receipt_pdf(application: Application) -> bytes:
    canvas, buffer, _y = _page(_("Receipt of an application"), receipt_lines(application))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def result_pdf(result: Result) -> bytes:
    application = result.application
    outcome = _("APPROVED") if result.approved else _("REFUSED")
    canvas, buffer, y = _page(_("Result of application %(number)s") % {"number": application.number}, [
        (_("Service"), f"{application.service.code} {application.service.t('name')}"),
        (_("Decision"), outcome),
        (_("Decided by"), application.body.t("name")),
        (_("Date"), timezone.localtime(result.created_at).strftime("%Y-%m-%d")),
        (_("Verification code"), result.verification_code),
        (_("Check at"), verification_url(result.verification_code)),
    ])
    _draw_qr(canvas, verification_url(result.verification_code), 20 * mm, y - 45 * mm, 40 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
