"""How every A4 page Biotraza prints begins: the constancia, the offer sheet, the programme
cards.

fpdf2 with its core fonts (no font files to ship, pages of a few kilobytes): those fonts are
Latin-1, so text goes through :func:`latin1` first (``labels.printing.latin1``, which the
label sheets use too). The pages draw their own content; this module only starts them the
same way — 15 mm margins, no automatic page break (each layout decides where a page ends),
the document's creator, title and language set for screen readers and file managers.
"""

from __future__ import annotations

from typing import Any

from labels.printing import latin1

__all__ = ["a4_document", "latin1"]


def a4_document(title: str, lang: str | None = None) -> Any:
    """An ``FPDF`` in millimetres with its first A4 page added and the cursor at the top-left
    margin (15 mm). ``lang`` (``es``/``en``) is recorded as the document's language."""
    # Imported here: fpdf2 (with fontTools) costs every CLI command half a second to import.
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creator("Biotraza")
    pdf.set_title(latin1(title))
    if lang is not None:
        pdf.set_lang(lang)
    pdf.set_auto_page_break(False)
    pdf.set_margins(15, 15, 15)
    pdf.add_page()
    pdf.set_xy(15, 15)
    return pdf
