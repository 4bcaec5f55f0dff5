"""A lot's deforestation risk report: JSON for machines, text in Spanish or English for people.

The JSON (``risk_report``) carries every plot's screen, the layers used, the counts per status
and, first, the plots that need attention with their reasons in both languages. Plots the
screen could not look at (refused geometry) are listed as ``not_screened`` and counted as
needing attention: a report never passes a plot it did not see. ``render_text`` writes the
same in one language, numbers as in Mexico (1,234.5) and dates dd/mm/yyyy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from verifiers.deforestation.screen import CUTOFF, MIN_OVERLAP_HA, STATUSES, PlotScreen

__all__ = ["LANGUAGES", "render_text", "risk_report"]

LANGUAGES = ("es", "en")

_STATUS_TEXT = {
    "loss_after_cutoff": ("forest loss after the cut-off", "pérdida de bosque después del corte"),
    "loss_undated": ("forest loss of unknown date", "pérdida de bosque de fecha desconocida"),
    "not_covered": ("not covered by a layer", "sin cobertura de alguna capa"),
    "partly_covered": ("partly covered by a layer", "cubierta solo en parte por alguna capa"),
    "forest_unverified": (
        "forest at the baseline, no loss map",
        "bosque en la línea base, sin capa de pérdida",
    ),
    "clear": ("no finding", "sin hallazgos"),
    "not_screened": ("not screened (geometry refused)", "no revisada (geometría rechazada)"),
}

_METHOD_EN = (
    f"Each plot is compared with the forest-cover baseline of {CUTOFF:%d/%m/%Y} and with the "
    "loss layers listed. A plot needs attention when any loss pixel after the cut-off, or a "
    f"dated loss polygon overlapping it by {MIN_OVERLAP_HA} ha or more, lies inside it; when "
    "loss has no date; when a layer does not cover it fully; or, with no loss layer, when it "
    "had forest at the baseline. Plots recorded as points are screened as a circle of their "
    "declared area. The screen is a first filter, not proof: satellite maps miss small "
    "clearings and can mistake shade coffee for forest; check flagged plots in the field."
)
_METHOD_ES = (
    f"Cada parcela se compara con la línea base de cobertura forestal al {CUTOFF:%d/%m/%Y} y "
    "con las capas de pérdida listadas. Una parcela requiere atención si dentro de ella hay "
    "algún píxel de pérdida posterior al corte, o un polígono de pérdida fechado que la cubra "
    f"en {MIN_OVERLAP_HA} ha o más; si la pérdida no tiene fecha; si alguna capa no la cubre "
    "por completo; o, sin capa de pérdida, si tenía bosque en la línea base. Las parcelas "
    "registradas como punto se revisan como un círculo de su área declarada. La revisión es "
    "un primer filtro, no una prueba: los mapas satelitales no ven claros pequeños y "
    "pueden confundir el café de sombra con bosque; verifique en campo las parcelas señaladas."
)


def risk_report(
    lot_id: str,
    product: str,
    screens: Sequence[PlotScreen],
    layers: Sequence[Mapping[str, Any]],
    not_screened: Sequence[Mapping[str, str]] = (),
) -> dict[str, Any]:
    """The lot's report as a JSON-ready dict (see the module docstring)."""
    counts = Counter(s.status for s in screens)
    counts.update({"not_screened": len(not_screened)})
    attention = [s.to_dict() for s in screens if s.needs_attention]
    attention.sort(key=lambda p: (STATUSES.index(p["status"]), p["plot_id"]))
    return {
        "lot_id": lot_id,
        "product": product,
        "cutoff": CUTOFF.isoformat(),
        "layers": [dict(layer) for layer in layers],
        "plots": len(screens) + len(not_screened),
        "screened": len(screens),
        "needs_attention": len(attention) + len(not_screened),
        "status_counts": {s: counts.get(s, 0) for s in (*STATUSES, "not_screened")},
        "attention": attention,
        "not_screened": [dict(p) for p in not_screened],
        "results": [s.to_dict() for s in screens],
        "method_en": _METHOD_EN,
        "method_es": _METHOD_ES,
    }


def _num(value: float, decimals: int = 2) -> str:
    return f"{value:,.{decimals}f}"


def render_text(report: Mapping[str, Any], lang: Literal["es", "en"]) -> str:
    """The report as plain text in one language (the DDS package carries both)."""
    es = lang == "es"
    pick = 1 if es else 0
    lines = [
        (f"Informe de riesgo de deforestación — lote {report['lot_id']} ({report['product']})"
         if es else
         f"Deforestation risk report — lot {report['lot_id']} ({report['product']})"),
        (f"Fecha de corte: {CUTOFF:%d/%m/%Y}" if es else f"Cut-off date: {CUTOFF:%d/%m/%Y}"),
        "",
        "Capas:" if es else "Layers:",
    ]  # fmt: skip
    for layer in report["layers"]:
        role = {"baseline": "línea base", "loss": "pérdida"}[layer["role"]] if es else layer["role"]
        lines.append(f"  - {layer['name']} ({role}, {layer['format']})")
    lines += [
        "",
        (f"Parcelas: {report['plots']:,}; revisadas: {report['screened']:,}; "
         f"requieren atención: {report['needs_attention']:,}" if es else
         f"Plots: {report['plots']:,}; screened: {report['screened']:,}; "
         f"need attention: {report['needs_attention']:,}"),
    ]  # fmt: skip
    for status, count in report["status_counts"].items():
        if count:
            lines.append(f"  {_STATUS_TEXT[status][pick]}: {count:,}")
    lines += ["", "Parcelas que requieren atención:" if es else "Plots that need attention:"]
    if not report["attention"] and not report["not_screened"]:
        lines.append("  ninguna" if es else "  none")
    for plot in report["attention"]:
        forest = plot["forest_share_2020"]
        forest_text = "—" if forest is None else f"{_num(forest * 100, 1)} %"
        lines.append(
            f"* {plot['plot_id']} — {_STATUS_TEXT[plot['status']][pick]}; "
            + (f"{_num(plot['area_ha'])} ha, bosque 2020: {forest_text}" if es else
               f"{_num(plot['area_ha'])} ha, forest 2020: {forest_text}")
        )  # fmt: skip
        key = "message_es" if es else "message_en"
        lines += [f"    - {finding[key]}" for finding in plot["findings"]]
    for plot in report["not_screened"]:
        lines.append(
            f"* {plot['plot_id']} — {_STATUS_TEXT['not_screened'][pick]}: {plot['reason']}"
        )
    lines += ["", "Método:" if es else "Method:", report["method_es" if es else "method_en"], ""]
    return "\n".join(lines)
