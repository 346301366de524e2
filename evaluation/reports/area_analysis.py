"""Sections of the area analysis report (områdesanalys): each function is one sentence of it.

Every function computes an indicator (``evaluation.indicators.area_profile``),
passes it through the report's Protector and returns a table, chart, map or
note; the notebook calls these and nothing else. The area statistics are
protected once per report (shares, rates, published values and counts, every
place and year) and the profile table, trends, maps and deviations all read
from that one protected panel (computed once per report, ``per_report``), so no
figure is protected twice.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from evaluation.indicators import area_profile as ap
from evaluation.indicators.base import in_window
from evaluation.indicators.periods import period_label
from evaluation.metadata import codes
from evaluation.metadata.catalogue import IndicatorInfo, load_catalogue
from evaluation.present.charts import trend_chart
from evaluation.present.format import (
    HIDDEN,
    MISSING,
    fmt_int,
    fmt_month_span,
    fmt_number,
    fmt_percent,
)
from evaluation.present.guard import select_rows
from evaluation.present.maps import choropleth, map_layout
from evaluation.present.output import Note, Outputs, Table
from evaluation.present.pyramid import pyramid_chart
from evaluation.present.tables import count_table
from evaluation.privacy import ProtectedFrame, views
from evaluation.privacy.measures import measure_spec
from evaluation.reports.context import Report, default_header_details, per_report
from evaluation.reports.context import missing_table_note as _missing

MUNICIPALITY = "Hela kommunen"
NATIONAL = "Riket"
SMALL_BASE = 100  # below this many people behind a share or rate, the profile flags it
CASE_YEARS = 2  # the existing work is shown for the last two years of case data


# --- shared, computed once per report --------------------------------------------------------


def header_details(report: Report) -> tuple[tuple[str, str], ...] | None:
    """Header lines (registered with the kind): the statistics years instead of a period."""
    stats = report.data.area_statistics
    if stats is None:
        return None
    years = f"{int(stats['year'].min())}–{int(stats['year'].max())}"
    return default_header_details(report, when=("Statistikår", years))


@per_report
def _catalogue(report: Report) -> dict[str, IndicatorInfo]:
    """The packaged catalogue, extended by the data folder's own indicators.yaml."""
    extra = report.data.folder / "indicators.yaml"
    return load_catalogue(extra if extra.is_file() else None)


@per_report
def _places(report: Report) -> dict[str, str]:
    """Area code → name: the evaluated area first, the other areas, municipality, Sweden."""
    areas = report.data.areas
    assert areas is not None  # open_report resolved the area from it
    municipality = report.municipality_code
    own = areas[areas["municipality_code"] == municipality]
    places = {report.area_code: report.area_name}
    places.update(
        {
            str(c): str(n)
            for c, n in zip(own["area_code"], own["area_name"], strict=False)
            if c != report.area_code
        }
    )
    places[municipality] = MUNICIPALITY
    places[codes.NATIONAL_CODE] = NATIONAL
    return places


def _area_codes(report: Report) -> list[str]:
    places = _places(report)
    return [c for c in places if c not in (report.municipality_code, codes.NATIONAL_CODE)]


def _count_view(table, places: dict[str, str], indicator: str) -> ProtectedFrame:
    """A protected count table (places × years) read as tidy rows; values are not changed."""
    by_name = {n: c for c, n in places.items()}
    return views.as_tidy(
        table,
        lambda name, year: {
            "area_code": by_name[name],
            "group": name,
            "indicator": indicator,
            "year": int(year),
            "period": str(year),
            "period_start": pd.Timestamp(int(year), 1, 1),
        },
    )


@per_report
def _panel(report: Report) -> dict[str, ProtectedFrame]:
    """Every catalogue indicator for every place and year, protected once: key → frame."""
    catalogue, places = _catalogue(report), _places(report)
    rows = ap.indicator_rows(report.data.area_statistics, catalogue, places)
    p = report.protector
    panel: dict[str, ProtectedFrame] = {}
    label = "Områdesstatistik {}, alla områden, kommunen och riket per år"
    shares = rows[rows["protection"] == "share"].drop(columns=["n"])
    if len(shares):
        panel["share"] = p.shares(shares, label=label.format("(andelar)"))
    rates = rows[rows["protection"] == "rate"].drop(columns=["n"])
    if len(rates):
        panel["rate"] = p.rates(rates, label=label.format("(kvoter per 1 000)"))
    stats = rows[rows["protection"] == "statistic"].drop(
        columns=["numerator", "denominator", "ci_low", "ci_high"]
    )
    if len(stats):
        panel["statistic"] = p.statistics(
            stats,
            label=label.format("(medelvärden och värden utan bas)"),
            n="n",
            value_cols=("value",),
        )
    by_key: dict[str, ProtectedFrame] = {}
    for key in dict.fromkeys(rows["indicator"]):
        how = rows.loc[rows["indicator"] == key, "protection"]
        if (how == "count").all():
            one = rows[rows["indicator"] == key]
            table = one.pivot(index="group", columns="year", values="value")
            table = table.reindex([n for n in places.values() if n in table.index])
            table.index.name, table.columns.name = None, None
            protected = p.counts(
                table.round().astype("int64"),
                margins=False,
                label=f"Områdesstatistik: {catalogue[key].label} per år",
            )
            by_key[key] = _count_view(protected, places, key)
            continue
        parts = [
            select_rows(panel[h], panel[h].frame["indicator"] == key) for h in dict.fromkeys(how)
        ]
        if len(parts) == 1:
            by_key[key] = parts[0]
        else:  # one key protected in two ways (e.g. Sweden without a base): read both
            by_key[key] = views.concat(parts)
    return by_key


@per_report
def _row_keys(report: Report, key: str) -> tuple[list[str], np.ndarray]:
    """Area codes (as text) and years of one indicator's panel rows, read once per report."""
    frame = _panel(report)[key].frame
    return frame["area_code"].astype(str).tolist(), frame["year"].to_numpy()


def _key_rows(
    report: Report, key: str, codes_: list[str], year: int | None = None
) -> ProtectedFrame:
    """Rows of one indicator for some places (and one year), from the protected panel.

    In the order of ``codes_``, then by year; rows of equal place and year keep theirs.
    """
    areas, years = _row_keys(report, key)
    rank = {c: i for i, c in enumerate(codes_)}
    order = np.array([rank.get(c, -1) for c in areas], dtype=np.intp)
    keep = order >= 0
    if year is not None:
        keep &= years == year
    at = np.flatnonzero(keep)
    at = at[np.lexsort((years[at], order[at]))]  # stable: ties stay in panel order
    return views.take_rows(_panel(report)[key], at)


def _latest(report: Report, key: str) -> int | None:
    areas, years = _row_keys(report, key)
    own = [y for c, y in zip(areas, years, strict=True) if c == report.area_code]
    return int(max(own)) if own else None


def _fmt(info: IndicatorInfo, value, hidden: bool = False, unit: bool = False) -> str:
    """One value in the catalogue's unit (shares as fractions → percent)."""
    if info.kind == "share":
        return fmt_percent(value, 1, hidden)
    decimals = 0 if info.kind == "count" or info.unit == "tkr" else 1
    text = fmt_number(value, decimals, hidden)
    if unit and text not in (HIDDEN, MISSING):
        text = f"{text} {info.unit}"
    return text


def _stat_keys(report: Report) -> list[str]:
    return [k for k in _catalogue(report) if not ap.is_age_sex(k) and k in _panel(report)]


def _no_statistics(report: Report) -> Note | None:
    if note := _missing(report, "area_statistics", "områdesstatistik"):
        return note
    if not _stat_keys(report):
        return Note(
            "Områdesstatistiken saknar indikatorer ur katalogen, så avsnittet visas inte.",
            kind="withheld",
        )
    return None


# --- Profile ---------------------------------------------------------------------------------


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[~frame["suppressed"].astype(bool) & frame["value"].notna()]


def _label_with_unit(info: IndicatorInfo) -> str:
    unit = "%" if info.kind == "share" else info.unit
    return info.label if unit in info.label else f"{info.label}, {unit}"


def _judged(r) -> str:
    return r["judgement"] if isinstance(r["judgement"], str) else ""


def profile_table(report: Report):
    """Every catalogue indicator for the area, the municipality and Sweden, latest year.

    With the area's rank among the municipality's areas and a flag for small bases.
    """
    if note := _no_statistics(report):
        return note
    catalogue = _catalogue(report)
    muni = report.municipality_code
    areas = _area_codes(report)
    out, years, flagged = [], set(), []
    for key in _stat_keys(report):
        info, year = catalogue[key], _latest(report, key)
        if year is None:
            continue
        frame = _key_rows(report, key, [*areas, muni, codes.NATIONAL_CODE], year).frame
        by_code = frame.set_index("area_code")

        def cell(code: str, by_code: pd.DataFrame = by_code, info: IndicatorInfo = info) -> str:
            if code not in by_code.index:
                return MISSING
            r = by_code.loc[code]
            return _fmt(info, r["value"], bool(r["suppressed"]))

        own = by_code.loc[report.area_code]
        shown = _shown(frame[frame["area_code"].isin(areas)]).set_index("area_code")["value"]
        rank = ap.ranks(shown)
        rank_text = (
            f"{fmt_int(rank[report.area_code])} av {fmt_int(len(shown))}"
            if report.area_code in rank.index
            else MISSING
        )
        small = (
            not bool(own["suppressed"])
            and "denominator" in by_code.columns
            and pd.notna(own.get("denominator"))
            and own["denominator"] < SMALL_BASE
        )
        label = _label_with_unit(info) + (" *" if small else "")
        if small:
            flagged.append(info.label.lower())
        years.add(year)
        out.append(
            {
                "Indikator": label,
                report.area_name: cell(report.area_code),
                MUNICIPALITY: cell(muni),
                NATIONAL: cell(codes.NATIONAL_CODE),
                "Rang": rank_text,
                "_year": str(year),
            }
        )
    cells = pd.DataFrame(out).set_index("Indikator")
    cells.index.name = None
    if len(years) == 1:
        cells = cells.drop(columns="_year")
        when = f"år {years.pop()}"
    else:
        cells = cells.rename(columns={"_year": "År"})
        when = "senaste år"
    caption = f"Områdesprofil: {report.area_name} jämfört med hela kommunen och riket, {when}"
    note = (
        f"Rang: områdets plats bland kommunens {fmt_int(len(areas))} områden (bland dem "
        f"med redovisat värde), där 1 är det högsta värdet. {HIDDEN} = dold av "
        f"sekretesskäl, {MISSING} = uppgift saknas. Andelar och kvoter är beräknade från "
        "antal och bas och kan skilja sig i sista decimalen från publicerade värden."
    )
    if flagged:
        note += (
            f" * Litet underlag: färre än {fmt_int(SMALL_BASE)} personer bakom värdet för "
            f"{report.area_name} ({', '.join(flagged)}), så värdet är osäkert."
        )
    return Table(cells, caption, note=note, index_label="Indikator")


# --- Population pyramid ----------------------------------------------------------------------


def population_pyramid(report: Report):
    """The area's population by age and sex against the municipality's, as shares."""
    if note := _missing(report, "area_statistics", "befolkningens ålder och kön"):
        return note
    stats = report.data.area_statistics
    pyramid_keys = stats["indicator"].drop_duplicates()
    pyramid_keys = pyramid_keys[pyramid_keys.map(ap.is_age_sex)]
    _places(report)
    muni = report.municipality_code
    year = (
        ap.latest_year(
            stats[stats["indicator"].isin(pyramid_keys)], pyramid_keys.iloc[0], [report.area_code]
        )
        if len(pyramid_keys)
        else None
    )
    if year is None:
        return Note(
            "Befolkningspyramiden visas inte eftersom områdesstatistiken saknar "
            "folkmängd efter kön och ålder (population_female_0_4 … "
            "population_male_85_plus).",
            kind="withheld",
        )
    frame = ap.age_sex_shares(stats, {report.area_code: report.area_name, muni: MUNICIPALITY}, year)
    members = ap.age_sex_shares(stats, {g.label: g.label for g in report.member_groups}, year)
    protected = report.protector.shares(
        frame,
        label=f"Befolkning efter ålder och kön {year}, andel av hela befolkningen",
        keys=("age_order",),
        members=members,  # the municipality's bars are sums of every area's (R0)
    )
    return pyramid_chart(
        protected,
        area=report.area_name,
        reference=MUNICIPALITY,
        title=f"Befolkning efter ålder och kön, {report.area_name} {year}",
        year=year,
    )


# --- Largest deviations ----------------------------------------------------------------------


def largest_deviations(report: Report, top: int = 5):
    """The indicators where the area differs most from the municipality, in plain Swedish.

    Differences are standardised: (area − municipality) divided by the standard
    deviation of the shown values of all areas, so indicators in different units
    compare. Counts (population sizes) are left out.
    """
    if note := _no_statistics(report):
        return note
    catalogue = _catalogue(report)
    muni = report.municipality_code
    areas = _area_codes(report)
    rows = []
    for key in _stat_keys(report):
        info, year = catalogue[key], _latest(report, key)
        if info.kind == "count" or year is None:
            continue
        frame = _key_rows(report, key, [*areas, muni], year).frame
        shown = _shown(frame).set_index("area_code")["value"]
        if report.area_code not in shown.index or muni not in shown.index:
            continue
        z = ap.standardised_difference(shown[report.area_code], shown[muni], shown.drop(index=muni))
        rows.append(
            {
                "indicator": key,
                "z": z,
                "higher_is_better": info.higher_is_better,
                "area": shown[report.area_code],
                "municipality": shown[muni],
                "year": year,
            }
        )
    found = ap.deviations(
        pd.DataFrame(
            rows, columns=["indicator", "z", "higher_is_better", "area", "municipality", "year"]
        ),
        top,
    )
    if found.empty:
        return Note(
            f"{report.area_name} skiljer sig inte påtagligt från hela kommunen i "
            "någon av indikatorerna (ingen skillnad på en halv standardavvikelse "
            "eller mer)."
        )
    catalogue_labels = {k: catalogue[k].label for k in found["indicator"]}
    named = [
        f"{catalogue_labels[r['indicator']].lower()} ({r['direction']}"
        + (f", {_judged(r)})" if _judged(r) else ")")
        for _, r in found.iterrows()
    ]
    lead = Note(
        f"{report.area_name} skiljer sig mest från hela kommunen i "
        f"{', '.join(named[:-1])}{' och ' if len(named) > 1 else ''}{named[-1]}. Skillnaden "
        "mäts i standardavvikelser mellan kommunens områden, så att indikatorer i olika "
        "enheter kan jämföras: 1 betyder en skillnad lika stor som den typiska skillnaden "
        "mellan områdena. Bättre och sämre följer den riktning som anges för varje "
        "indikator; indikatorer utan riktning, som andelen utrikes födda, bedöms inte."
    )
    rows = []
    for _, r in found.iterrows():
        info = catalogue[r["indicator"]]
        sign = "+" if r["z"] > 0 else "−"
        rows.append(
            {
                "Indikator": _label_with_unit(info),
                report.area_name: _fmt(info, r["area"]),
                MUNICIPALITY: _fmt(info, r["municipality"]),
                "Skillnad": sign + fmt_number(abs(r["z"]), 1),
                "Bedömning": _judged(r) or MISSING,
            }
        )
    cells = pd.DataFrame(rows).set_index("Indikator")
    cells.index.name = None
    years = sorted(set(found["year"]))
    when = f"år {years[0]}" if len(years) == 1 else "senaste år"
    return Outputs(
        (
            lead,
            Table(
                cells,
                f"Största skillnaderna mellan {report.area_name} och "
                f"hela kommunen, {when} (skillnad i standardavvikelser)",
                index_label="Indikator",
            ),
        )
    )


# --- Trends ----------------------------------------------------------------------------------


def _key_indicators(report: Report) -> list[str]:
    catalogue = _catalogue(report)
    return [k for k in _stat_keys(report) if catalogue[k].key]


def key_trends(report: Report):
    """Each key indicator since the first year: the area, the municipality and Sweden."""
    if note := _no_statistics(report):
        return note
    catalogue = _catalogue(report)
    muni = report.municipality_code
    charts = []
    for key in _key_indicators(report):
        info = catalogue[key]
        places = (
            [report.area_code]
            if info.kind == "count"  # sizes differ by orders
            else [report.area_code, muni, codes.NATIONAL_CODE]
        )
        protected = _key_rows(report, key, places)
        has_ci = "ci_low" in protected.frame and protected.frame["ci_low"].notna().any()
        if not has_ci and "ci_low" not in protected.frame:
            protected = views.with_columns(protected, ci_low=float("nan"), ci_high=float("nan"))
        what = info.label[0].lower() + info.label[1:]
        charts.append(
            trend_chart(
                protected,
                title=info.label,
                ylabel=info.unit.capitalize(),
                what=what,
                percent=info.kind == "share",
                ci=has_ci,
                decimals=1 if info.kind in ("share", "rate") else 0,
            )
        )
    if not charts:
        return Note(
            "Katalogen markerar inga nyckelindikatorer (key: true), så inga tidsserier visas.",
            kind="withheld",
        )
    return Outputs(tuple(charts))


# --- Maps ------------------------------------------------------------------------------------


@per_report
def _map_layout(report: Report):
    return map_layout(report.data.areas, report.area_code)


def key_maps(report: Report, k: int = 5):
    """Choropleth maps of the key indicators across all areas, the evaluated area outlined.

    Population counts are not mapped (a choropleth of counts mostly shows area
    sizes); hidden values get their own hatched class (R6).
    """
    if note := _no_statistics(report):
        return note
    layout = _map_layout(report)
    catalogue = _catalogue(report)
    maps = []
    for key in _key_indicators(report):
        info, year = catalogue[key], _latest(report, key)
        if info.kind == "count" or year is None:
            continue
        protected = _key_rows(report, key, _area_codes(report), year)
        what = info.label[0].lower() + info.label[1:]
        share = info.kind == "share"
        decimals = 0 if info.unit == "tkr" else 1
        maps.append(
            choropleth(
                protected,
                layout,
                title=f"{info.label}, {year}",
                legend_title=f"{'Procent' if share else info.unit.capitalize()} ({year})",
                fmt=lambda v, share=share, d=decimals: fmt_number(100 * v if share else v, d),
                unit="%" if share else info.unit,
                what=what,
                k=k,
            )
        )
    if not maps:
        return Note("Inga nyckelindikatorer att visa på karta.", kind="withheld")
    return Outputs(tuple(maps))


# --- Existing work ---------------------------------------------------------------------------


def _case_window(report: Report) -> tuple[pd.Timestamp, pd.Timestamp]:
    end = report.end
    return max(report.start, end - pd.DateOffset(years=CASE_YEARS) + pd.Timedelta(days=1)), end


def interventions_by_level_and_type(report: Report):
    """Interventions decided in the area in the last two years, by type and level."""
    if note := _missing(report, "interventions", "insatser"):
        return note
    start, end = _case_window(report)
    table = ap.case_crosstab(
        report.data.interventions,
        report.evaluated.codes,
        "decision_date",
        start,
        end,
        "intervention_type",
        "level",
        codes.INTERVENTION_TYPE,
        codes.LEVEL,
    )
    period = fmt_month_span(start, end)
    if table.empty:
        return Note(f"Inga beslutade insatser i {report.area_name} under {period}.")
    caption = f"Beslutade insatser i {report.area_name} efter typ och nivå, {period}"
    spec = measure_spec(
        "interventions", rows="intervention_type", columns="level", window=(start, end)
    )
    protected = report.protector.counts(table, label=caption, spec=spec)
    return count_table(protected, caption, index_label="Typ av insats")


def activities_by_type_and_partner(report: Report):
    """Area and group activities in the area in the last two years, by type and partner."""
    if note := _missing(report, "activities", "områdesarbete"):
        return note
    start, end = _case_window(report)
    period = fmt_month_span(start, end)
    activities = report.data.activities.assign(
        term=period_label(report.data.activities["date"], "term")
    )
    terms = sorted(
        set(period_label(pd.Series([start, end]), "term"))
        | set(in_window(activities, "date", start, end)["term"])
    )
    by_term = ap.case_crosstab(
        activities,
        report.evaluated.codes,
        "date",
        start,
        end,
        "activity_type",
        "term",
        codes.ACTIVITY_TYPE,
        {t: t for t in terms},
    )
    if by_term.empty:
        return Note(f"Inga registrerade aktiviteter i {report.area_name} under {period}.")
    caption = f"Aktiviteter i {report.area_name} efter typ och halvår, {period}"
    levels = report.protector.counts(
        by_term,
        label=caption,
        spec=measure_spec("activities", rows="activity_type", window=(start, end)),
    )
    partners = ap.case_crosstab(
        report.data.activities,
        report.evaluated.codes,
        "date",
        start,
        end,
        "activity_type",
        "partners",
        codes.ACTIVITY_TYPE,
        codes.PARTNER,
        list_column=True,
    )
    from evaluation.reports.summary import periods_in_words  # "2023H2" → "2023 (jul–dec)"

    by_half = count_table(levels, caption, index_label="Typ av aktivitet")
    parts = [periods_in_words(by_half, report.end)]
    if not partners.empty:
        p_caption = f"Aktiviteter i {report.area_name} efter typ och samverkanspart, {period}"
        protected = report.protector.counts(partners, label=p_caption, margins=False)
        parts += [
            count_table(protected, p_caption, index_label="Typ av aktivitet"),
            Note(
                "En aktivitet kan ha flera samverkansparter och räknas då under var "
                "och en, så kolumnerna summeras inte."
            ),
        ]
    return Outputs(tuple(parts))


# --- Sources and appendix --------------------------------------------------------------------


def _years(frame: pd.DataFrame, column: str) -> str:
    lo, hi = frame[column].min(), frame[column].max()
    if hasattr(lo, "year"):
        return fmt_month_span(lo, hi)  # R7: no exact dates in text
    return str(int(lo)) if lo == hi else f"{int(lo)}–{int(hi)}"


def sources(report: Report):
    """Every source behind the report: statistics by source and table, boundaries, case data."""
    rows = []
    stats = report.data.area_statistics
    if stats is not None:
        catalogue = _catalogue(report)
        present = stats[stats["value"].notna()]
        by_source: dict[str, list[str]] = {}
        published = set(present["indicator"].unique())
        for key, info in catalogue.items():
            if key in published:
                by_source.setdefault(info.source or "Källa ej angiven", []).append(key)
        for source, keys in by_source.items():
            labels = [catalogue[k].label for k in keys if not ap.is_age_sex(k)]
            if any(ap.is_age_sex(k) for k in keys):
                labels.append("Folkmängd efter kön och femårsgrupp")
            years = _years(present[present["indicator"].isin(keys)], "year")
            rows.append(f"{source}, {years}: {', '.join(labels)}.")
    for sidecar in sorted(report.data.folder.rglob("*.source.json")):
        try:
            meta = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        fetched = meta.get("fetched") or meta.get("date") or MISSING
        rows.append(
            f"{meta.get('source', 'Okänd källa')}, tabell "
            f"{meta.get('table_id', MISSING)}, hämtad {fetched}."
        )
    if report.data.areas is not None:
        rows.append(
            f"Områdesgränser: kommunens indelning i {fmt_int(len(report.data.areas))} "
            "områden, ritade i referenssystemet SWEREF 99 TM."
        )
    for table, what in (
        ("interventions", "beslutade insatser"),
        ("activities", "aktiviteter på grupp- och områdesnivå"),
    ):
        frame = report.data.table(table)
        if frame is not None:
            col = "decision_date" if table == "interventions" else "date"
            rows.append(
                f"Kommunens verksamhetsdata (pseudonymiserade), {_years(frame, col)}: {what}."
            )
    parts = [Note(text, kind="info") for text in rows]
    if report.data.metadata.synthetic:
        parts.append(
            Note(
                "Datamappen är syntetisk: källorna anger var verkliga uppgifter "
                "hämtas, men siffrorna i rapporten är påhittade.",
                kind="warning",
            )
        )
    return Outputs(tuple(parts))


def privacy_appendix(report: Report):
    """What the privacy layer applied in this report: rules, thresholds and hidden cells."""
    from evaluation.present.appendix import privacy_appendix as _appendix

    return _appendix(report.protector)


def key_figures(report: Report):
    """The opening "Sammanfattning": key figures read from this report's protected outputs."""
    from evaluation.reports.summary import summary

    return summary(report)
