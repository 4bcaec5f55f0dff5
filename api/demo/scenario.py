"""The demo ledger: a realistic, deterministic season of three producer organizations.

It starts as a real deployment does (genesis, then a registrar, a certifier and a label
issuer delegated by the root key) and then records one season of three supply chains from
southern Mexico, with the numbers taken from ``docs/domain-facts.md``:

**Organizations** (``org.registered`` by the registrar; fictitious names, RFCs in the persona
moral format of facts.md §6, INEGI state codes 07 Chiapas, 04 Campeche, 27 Tabasco):
a coffee cooperative in Ángel Albino Corzo (Sierra Madre de Chiapas), a honey SPR in Calakmul,
a cacao SSS in Comalcalco (La Chontalpa) and a coffee exporter in Tapachula. Each has its own
key in the key store (``org-cafe-sierra``, ``org-miel-calakmul``, ``org-cacao-chontalpa``,
``org-exportadora``) with the configured passphrase.

**Coffee** (facts.md §2 "Coffee"): 20 producers (``cs-p01``…; pseudonymous on the ledger),
one plot each. Sizes follow the 2014 padrón (73 % of plots ≤ 1 ha): 15 of 20 plots are
≤ 1 ha, three are 1.6–3.2 ha and two (4.6 and 5.8 ha) are above the 4 ha EUDR / Fairtrade
threshold where a polygon is required (facts.md §1.3, §3). Every plot gets a polygon anyway
(an irregular pentagon or hexagon around lon −92.6…−92.9, lat 15.5…15.8) whose declared
``area_ha`` is its geodesic area rounded to 0.01 ha. Field yields are 1,000–1,500 kg cherry/ha
around the national 1.37 t/ha (SIAP 2017/18), far below the table's 4,110 kg/ha maximum; each
plot is picked twice (Dec 2025–Jan 2026 and Jan–Feb 2026, about 55 % / 45 %). Each delivery is
wet-milled to dry parchment at 4.35 : 1 (250 kg cereza → 57.5 kg pergamino), four community
groups are hulled at the dry mill at ×0.80 (ICO factor), the four green lots are blended, the
blend is split into a multiple of the 69 kg Mexican export sack and a remainder kept in stock,
the export part is packed into 69 kg sacks (GTIN-14 with a computed check digit, lot number
``CS2526X001``) and shipped to the exporter, who receives it.

**Honey** (facts.md §2 "Honey"): 8 beekeepers in Calakmul with one apiary each (a GPS point,
12–40 hives, three SINIIGA hive ids of state 04 each, facts.md §6). Two extractions per apiary
(dzidzilché in Mar–Apr, tzalam/jabín in May, facts.md "Season") give about 30 kg per hive and
year, near the national 29.1 kg/hive and well under the 80 kg plausibility limit. All raw lots
are filtered together at ×0.98 ([M] straining loss), split into a multiple of the 300 kg drum
([M] 200 L drum ≈ 280–300 kg) and a remainder, and packed into drums.

**Cacao** (facts.md §2 "Cacao"): 6 producers in Comalcalco with plots of 1.2–3.0 ha, three
recorded as points (allowed up to 4 ha) and three as polygons. Wet (baba) beans at
1,000–1,400 kg/ha (≈ 0.45 t dry/ha nationally ÷ 0.375) are harvested in two passes (Feb and
Mar 2026), fermented and dried in two batches at ×0.38 (35–40 % [M]) and blended into one dry
lot.

**Certification** (DESIGN §6–7): the root publishes ``coffee-ab@1``, ``honey-ab@1`` and
``cacao-ab@1``, adds the key ``certifier-certimex-2026`` bound to ``certifier_id`` certimex and
accredits Certimex for the three. Every coffee plot is surveyed in January; two
(``cs-plot07``, ``cs-plot14``) have 25 % shade cover and fail. Their lots reach the main blend,
so ``cs-export-2526-001`` is *not* eligible, naming them; six sacks of green coffee from the two
community groups whose plots all passed are segregated into ``cs-export-2526-002``, which is.
The apiaries are verified before the first extraction and the filtered honey's laboratory
report afterwards, so the drums are eligible. Cacao is not verified this season (ineligible).

**Personal data** (off the ledger, ``_Plan.member``): every producer has an illustrative
record — gender, year of birth, Indigenous-language speaking, consent to statistics (all but
every tenth member) — in the personal-data table, committed to by the entry's ``pii_hash``.

Statement times follow the season (the coffee cooperative joins in mid-January and enters its
December deliveries from its paper receipts first); the statements are submitted in time
order. Every statement has a fixed ``ts`` and a fixed nonce (``demo-<step>``), and Ed25519
signatures are deterministic, so running the demo again on the same data directory is an
idempotent replay: it appends nothing and returns the same size. Community names and
coordinates are illustrative.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "APIARIES",
    "CACAO",
    "CACAO_PLOTS",
    "CAFE",
    "CERTIFIED_GROUPS",
    "CERTIFIED_SACKS_PER_GROUP",
    "CERTIFIER",
    "CERTIFIER_ID",
    "CHERRY_PER_PARCHMENT",
    "COFFEE_COMMUNITIES",
    "COFFEE_PLOTS",
    "DEMO_ORGS",
    "DEMO_ORIGIN",
    "DEMO_PORT",
    "DEMO_ROLES",
    "DEMO_STANDARDS",
    "DRUM_KG",
    "EXPORTER",
    "FAILING_COFFEE_PLOTS",
    "MIEL",
    "PARCHMENT_TO_GREEN",
    "RAW_TO_FILTERED",
    "REGISTRAR",
    "ROOT",
    "SACK_KG",
    "WET_TO_DRY",
    "demo_resolvers",
]

DEMO_ROLES = (
    ("registrar-conabio", "registrar"),
    ("certifier-certimex", "certifier"),
    ("label-issuer", "label_issuer"),
)
REGISTRAR = "registrar-conabio"

CAFE = "org-cafe-sierra"
MIEL = "org-miel-calakmul"
CACAO = "org-cacao-chontalpa"
EXPORTER = "org-exportadora"

DEMO_ORGS: dict[str, dict[str, Any]] = {
    CAFE: {
        "org_id": "cafe-sierra",
        "name": "Cafeticultores de la Sierra Madre, S.C. de R.L. (demo)",
        "kind": "association",
        "legal_form": "cooperativa",
        "rfc": "CSM0503179K2",
        "state": "07",
        "municipality": "Ángel Albino Corzo",
        "landscape": "Sierra Madre de Chiapas",
        "products": ["coffee"],
    },
    MIEL: {
        "org_id": "miel-calakmul",
        "name": "Apicultores de Calakmul, SPR de RL (demo)",
        "kind": "association",
        "legal_form": "spr",
        "rfc": "ACA0811207T1",
        "state": "04",
        "municipality": "Calakmul",
        "landscape": "Calakmul",
        "products": ["honey"],
    },
    CACAO: {
        "org_id": "cacao-chontalpa",
        "name": "Cacaoteros de la Chontalpa, S.S.S. (demo)",
        "kind": "association",
        "legal_form": "sss",
        "rfc": "CCH1206054R8",
        "state": "27",
        "municipality": "Comalcalco",
        "landscape": "La Chontalpa",
        "products": ["cacao"],
    },
    EXPORTER: {
        "org_id": "exportadora-soconusco",
        "name": "Exportadora de Café del Soconusco, S.A. de C.V. (demo)",
        "kind": "exporter",
        "legal_form": "sa_de_cv",
        "rfc": "ECS9702143Q5",
        "state": "07",
        "municipality": "Tapachula",
        "products": ["coffee"],
    },
}
"""Key-store name → ``org.registered`` body (without the public key)."""

SACK_KG = 69
"""Mexican green-coffee export sack (facts.md §2 Units, [S] Kornman)."""
DRUM_KG = 300
"""Honey drum, 200 L × ~1.42 kg/L (facts.md §2 Honey, [M] 300 kg)."""

# Coffee plots: (target ha, community group 0–3, cherry kg/ha, gender). 15 of 20 ≤ 1 ha.
COFFEE_PLOTS: tuple[tuple[float, int, int, str], ...] = (
    (0.50, 0, 1150, "female"),
    (0.75, 0, 1300, "male"),
    (1.00, 0, 1450, "male"),
    (0.60, 0, 1050, "female"),
    (0.90, 0, 1250, "male"),
    (4.60, 1, 1400, "male"),
    (0.80, 1, 1200, "female"),
    (1.00, 1, 1350, "male"),
    (0.70, 1, 1000, "male"),
    (2.30, 1, 1500, "male"),
    (0.55, 2, 1100, "female"),
    (1.00, 2, 1250, "male"),
    (0.85, 2, 1300, "undisclosed"),
    (5.80, 2, 1450, "male"),
    (0.65, 2, 1150, "female"),
    (0.95, 3, 1200, "male"),
    (1.60, 3, 1350, "male"),
    (0.80, 3, 1050, "female"),
    (1.00, 3, 1250, "male"),
    (3.20, 3, 1400, "male"),
)
COFFEE_COMMUNITIES = ("Jaltenango de la Paz", "Nueva Palestina", "Los Ángeles", "Querétaro")
CHERRY_PER_PARCHMENT = 435  # 4.35 : 1, in hundredths (facts.md §2, [S] elbuentono)
PARCHMENT_TO_GREEN = (4, 5)  # × 0.80 (facts.md §2, [S] ICO factor)

# Apiaries: (hives, community, lon, lat, kg/hive in pass 1, kg/hive in pass 2).
APIARIES: tuple[tuple[int, str, float, float, int, int], ...] = (
    (24, "Xpujil", -89.401237, 18.497411, 17, 14),
    (36, "Zoh-Laguna", -89.421503, 18.583926, 18, 13),
    (15, "Nuevo Becal", -89.265418, 18.614702, 15, 12),
    (40, "Conhuás", -89.879316, 18.533870, 19, 15),
    (12, "Cristóbal Colón", -89.446082, 18.214559, 14, 12),
    (28, "Xpujil", -89.357944, 18.531266, 16, 16),
    (20, "Zoh-Laguna", -89.452671, 18.611035, 17, 13),
    (32, "Nuevo Becal", -89.301157, 18.642380, 18, 14),
)
RAW_TO_FILTERED = (49, 50)  # × 0.98 (conversion table, [M] straining loss)

# Cacao plots: (target ha, polygon?, community, wet kg/ha).
CACAO_PLOTS: tuple[tuple[float, bool, str, int], ...] = (
    (1.20, False, "Cupilco", 1250),
    (2.40, True, "Cupilco", 1100),
    (1.50, False, "Tecolutilla", 1400),
    (3.00, True, "Tecolutilla", 1000),
    (1.80, True, "Comalcalco", 1300),
    (2.60, False, "Comalcalco", 1150),
)
WET_TO_DRY = (38, 100)  # × 0.38 (facts.md §2 Cacao, [M] 35–40 %)

ROOT = "root"
CERTIFIER = "certifier-certimex-2026"
"""The certifier's signing key bound to ``certifier_id`` (the older ``certifier-certimex`` key
of ``DEMO_ROLES`` has no scope, so it cannot sign verifications)."""
CERTIFIER_ID = "certimex"
DEMO_STANDARDS = ("coffee-ab@1", "honey-ab@1", "cacao-ab@1")
FAILING_COFFEE_PLOTS = ("cs-plot07", "cs-plot14")
"""Coffee plots whose survey finds 25 % shade cover (CAB-SHADE-COVER needs at least 40 %)."""
CERTIFIED_GROUPS = (0, 3)
"""Community groups (0-based) whose plots all pass: part of their green coffee is segregated."""
CERTIFIED_SACKS_PER_GROUP = 3


DEMO_PORT = 8000
DEMO_ORIGIN = "biotraza.example/log"
"""The demo log's name (a deployment names its own with ``biotraza init --origin``)."""


def demo_resolvers(port: int) -> list[str]:
    """The demo's resolver hosts: the local server on ``port``, the printed one first.

    Labels resolve as genuine only on a host listed here, so the demo records the hosts of
    the port it is served on (``biotraza demo --port``, ``make demo PORT=…``).
    """
    return [f"127.0.0.1:{port}", f"localhost:{port}"]
