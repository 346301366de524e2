"""The synthetic sample: regenerated from code, plausible, complete, with its known effects."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import yaml

from evaluation.idnumbers import contains_identity_number
from evaluation.load.fingerprint import read_metadata
from evaluation.metadata.codes import NATIONAL_CODE, PLACEMENT_TYPES
from evaluation.metadata.contract import TABLES
from evaluation.synthetic import (
    EFFECT_AREA,
    EFFECT_START,
    KNOWN_EFFECTS,
    docs,
    surveys,
    write_sample,
)
from evaluation.synthetic.geography import MUNICIPALITY_CODE, SMALL_AREA

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
README = ROOT / "data" / "README.md"
CATALOGUE = ROOT / "evaluation" / "metadata" / "indicators.yaml"
START = str(EFFECT_START)


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(SAMPLE / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    write_sample(out)
    return out


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    df = _read("area_statistics")
    for col in ("value", "numerator", "denominator"):
        df[col] = pd.to_numeric(df[col].replace("", np.nan))
    df["year"] = df["year"].astype(int)
    return df


@pytest.fixture(scope="module")
def areas() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE / "areas.gpkg")


# --- regeneration -----------------------------------------------------------------------------


def test_committed_csv_and_yaml_match_regeneration(regenerated):
    names = sorted(p.name for p in regenerated.iterdir() if p.suffix in (".csv", ".yaml"))
    assert names == sorted(p.name for p in SAMPLE.iterdir() if p.suffix in (".csv", ".yaml"))
    for name in names:
        assert (regenerated / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_committed_geopackage_matches_regeneration(regenerated, areas):
    new = gpd.read_file(regenerated / "areas.gpkg")
    cols = ["area_code", "area_name", "municipality_code"]
    pd.testing.assert_frame_equal(pd.DataFrame(new[cols]), pd.DataFrame(areas[cols]))
    assert new.crs == areas.crs
    assert all(a.equals_exact(b, 0.01) for a, b in zip(new.geometry, areas.geometry, strict=False))


def test_csv_files_are_utf8_with_unix_line_endings():
    for path in SAMPLE.glob("*.csv"):
        raw = path.read_bytes()
        assert b"\r" not in raw and not raw.startswith(b"\xef\xbb\xbf"), path.name
        raw.decode("utf-8")


def test_readme_matches_the_code():
    assert README.read_text(encoding="utf-8") == docs.readme()


def test_metadata_says_synthetic():
    meta = read_metadata(SAMPLE)
    assert meta.synthetic is True
    assert meta.name == "Exempelkommun (syntetiska data)"
    assert meta.description


# --- contract -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in TABLES if n != "area_mapping"])
def test_tables_follow_the_contract(name):
    df = _read(name)
    spec = TABLES[name]
    assert list(df.columns) == [c.name for c in spec.columns]
    for col in spec.columns:
        values = df[col.name]
        if not col.nullable:
            assert (values != "").all(), f"{name}.{col.name} has empty cells"
        if col.unique:
            assert values.is_unique, f"{name}.{col.name} not unique"
        present = values[values != ""]
        if col.allowed and col.kind == "list":
            elements = set(itertools.chain.from_iterable(v.split(";") for v in present))
            assert elements <= set(col.allowed), f"{name}.{col.name}"
        elif col.allowed:
            assert set(present) <= set(col.allowed), f"{name}.{col.name}"
        if col.kind == "date":
            pd.to_datetime(present, format="%Y-%m-%d")
        if col.kind == "bool":
            assert set(present) <= {"true", "false"}
        if col.kind == "int":
            ints = present.astype(int)
            assert col.min is None or ints.min() >= col.min
            assert col.max is None or ints.max() <= col.max
    for earlier, later in spec.date_order:
        both = df[(df[earlier] != "") & (df[later] != "")]
        assert (both[later] >= both[earlier]).all(), f"{name}: {later} before {earlier}"


def test_sample_loads_with_the_toolkit():
    import evaluation

    data = evaluation.load_data(SAMPLE)
    assert len(data.referrals) == len(_read("referrals"))


def test_no_identity_number_shaped_values_anywhere():
    for path in sorted(SAMPLE.glob("*.csv")) + [SAMPLE / "metadata.yaml"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"[0-9]{10}", text), path.name
        assert not contains_identity_number(text), path.name
        for cell in re.split(r"[,\n]", text):
            assert not contains_identity_number(cell), path.name


# --- areas and statistics ---------------------------------------------------------------------


def test_areas_layer(areas):
    assert areas.crs.to_epsg() == 3006
    assert len(areas) >= 10 and areas["area_code"].is_unique
    assert (areas["municipality_code"] == MUNICIPALITY_CODE).all()
    names = set(areas["area_name"])
    assert {"Skäggetorp", "Ryd", "Berga", "Lambohov", "Ekängen", "Malmslätt"} <= names
    assert areas.is_valid.all()
    for a, b in itertools.combinations(areas.geometry, 2):
        assert a.intersection(b).area < 1.0
    centre = areas.union_all().centroid
    assert abs(centre.x - 535_000) < 15_000 and abs(centre.y - 6_476_000) < 15_000


def _value(stats, code, key, year=2024):
    row = stats[(stats.area_code == code) & (stats.indicator == key) & (stats.year == year)]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def test_populations_are_plausible(stats):
    assert _value(stats, MUNICIPALITY_CODE, "population_total") == pytest.approx(165_000, rel=0.1)
    ska = _value(stats, EFFECT_AREA, "population_total")
    assert ska == pytest.approx(10_000, rel=0.15)
    assert _value(stats, EFFECT_AREA, "population_0_17") / ska > 0.25
    assert _value(stats, EFFECT_AREA, "foreign_born_share") > 2 * _value(
        stats, MUNICIPALITY_CODE, "foreign_born_share"
    )
    assert 400 <= _value(stats, SMALL_AREA, "population_total") <= 700


def test_every_key_year_and_area_present(stats, areas):
    keys = set(yaml.safe_load(CATALOGUE.read_text(encoding="utf-8")))
    codes = set(areas["area_code"]) | {MUNICIPALITY_CODE, NATIONAL_CODE}
    expected = set(itertools.product(codes, range(2018, 2026), keys))
    got = set(zip(stats.area_code, stats.year, stats.indicator, strict=False))
    assert expected <= got
    assert not stats.duplicated(["area_code", "year", "indicator"]).any()
    assert stats["value"].notna().all()


def test_municipality_counts_are_sums_of_areas(stats, areas):
    parts = stats[stats.area_code.isin(set(areas["area_code"]))]
    whole = stats[stats.area_code == MUNICIPALITY_CODE].set_index(["year", "indicator"])
    summed = parts.groupby(["year", "indicator"])[["value", "numerator", "denominator"]].sum()
    for key in ("population_total", "population_0_17", "population_0_5"):
        sel = summed.xs(key, level="indicator")["value"]
        assert (whole.xs(key, level="indicator")["value"] == sel).all()
    ratio = whole[whole["numerator"].notna()]
    assert len(ratio) > 0
    for col in ("numerator", "denominator"):
        assert (ratio[col] == summed.loc[ratio.index, col]).all()
    scale = np.where(
        ratio.index.get_level_values("indicator") == "reported_crimes_per_1000", 1000.0, 100.0
    )
    assert np.allclose(
        ratio["value"], scale * ratio["numerator"] / ratio["denominator"], atol=0.051
    )


def test_age_sex_bands_add_up_to_the_population(stats):
    bands = stats[stats.indicator.str.match(r"^population_(female|male)_[0-9]+_([0-9]+|plus)$")]
    assert bands.indicator.nunique() == 36
    summed = bands.groupby(["area_code", "year"])["value"].sum()
    total = stats[stats.indicator == "population_total"].set_index(["area_code", "year"])["value"]
    assert set(summed.index) == set(total.index)
    assert (summed == total.loc[summed.index]).all()
    ska = bands[(bands.area_code == EFFECT_AREA) & (bands.year == 2024)].set_index("indicator")
    young = ska.loc[[k for k in ska.index if k.endswith(("_0_4", "_5_9", "_10_14"))], "value"]
    assert young.sum() / _value(stats, EFFECT_AREA, "population_total") > 0.2


# --- case records -----------------------------------------------------------------------------


def test_referral_integrity_and_rates(stats):
    ref, ass = _read("referrals"), _read("assessments")
    assert set(ass["referral_id"]) <= set(ref["referral_id"])
    assert ass["referral_id"].is_unique and len(ass) > 0.8 * len(ref)
    assert ref["received_date"].min() >= "2019-01-01" and ref["received_date"].max() <= "2025-06-30"
    ref["year"] = ref["received_date"].str[:4].astype(int)
    kids = stats[(stats.indicator == "population_0_17")].set_index(["area_code", "year"])["value"]
    full = ref[ref.year.between(2019, 2024)]
    total = full.groupby("year").size() / kids.xs(MUNICIPALITY_CODE).loc[2019:2024] * 1000
    assert total.between(50, 100).all()
    ska = full[full.area_code == EFFECT_AREA].groupby("year").size()
    assert (ska / kids.xs(EFFECT_AREA).loc[2019:2024] * 1000 > total).all()


def test_july_dip():
    ref = _read("referrals")
    month = ref["received_date"].str[5:7].astype(int)
    per_month = month.value_counts().sort_index() / np.where(np.arange(1, 13) <= 6, 7, 6)
    assert per_month[7] < 0.8 * per_month.drop(7).mean()
    assert per_month[[9, 10, 11]].mean() > per_month.drop([7, 9, 10, 11]).mean()


def test_delays_and_ongoing_cases():
    ass, inv, itv = _read("assessments"), _read("investigations"), _read("interventions")
    done = ass[ass.decision_date != ""]
    days = (pd.to_datetime(done.decision_date) - pd.to_datetime(done.start_date)).dt.days
    assert 0.75 < (days <= 14).mean() < 0.98
    ended = inv[inv.end_date != ""]
    days = (pd.to_datetime(ended.end_date) - pd.to_datetime(ended.start_date)).dt.days
    assert 0.6 < (days <= 120).mean() < 0.95
    assert (ass.decision == "").sum() > 0 and (inv.end_date == "").sum() > 0
    assert (itv.end_date == "").sum() > 0 and (itv.start_date == "").sum() > 0
    assert ((inv.end_date == "") == (inv.outcome == "")).all()
    started = itv[itv.start_date != ""]
    late = (pd.to_datetime(started.start_date) - pd.to_datetime(started.decision_date)).dt.days > 91
    assert late.sum() > 0
    assert (itv.end_reason == "unplanned").sum() > 0
    placement = itv.intervention_type.isin(PLACEMENT_TYPES)
    assert (itv.prior_open_care[placement] != "").all()
    assert (itv.prior_open_care[~placement] == "").all()


# --- known effects --------------------------------------------------------------------------


def _before_after(df, date_col, in_area=True):
    sel = df[(df.area_code == EFFECT_AREA) == in_area]
    return sel[sel[date_col] < START], sel[sel[date_col] >= START]


def test_effects_are_documented_constants():
    assert set(KNOWN_EFFECTS) >= {
        "referrals_public",
        "referrals_school",
        "joint_assessment_share",
        "activities_per_month",
        "placements_without_prior_open_care_share",
    }
    assert START == "2022-09-01" and EFFECT_AREA == "0580SKA"


def test_referral_effect_direction():
    ref = _read("referrals")
    ref = ref[(ref.received_date >= "2020-09-01") & (ref.received_date < "2024-09-01")]
    for cat, size in (("public", 1.5), ("school", 1.25)):
        counts = {}
        for in_area in (True, False):
            sel = ref[((ref.area_code == EFFECT_AREA) == in_area) & (ref.reporter_category == cat)]
            counts[in_area] = (sel.received_date >= START).sum() / (sel.received_date < START).sum()
        assert counts[True] / counts[False] > 1 + (size - 1) / 3, cat
        assert KNOWN_EFFECTS[f"referrals_{cat}"]["rate_ratio"] == size


def test_joint_assessment_effect_direction():
    ass = _read("assessments")
    before, after = _before_after(ass, "start_date")
    share = lambda d: (d.joint_with_provider == "true").mean() * 100  # noqa: E731
    assert share(before) < 25 and share(after) > 45
    other_before, other_after = _before_after(ass, "start_date", in_area=False)
    assert abs(share(other_after) - share(other_before)) < 3


def test_activity_effect_direction():
    act = _read("activities")
    before, after = _before_after(act, "date")
    months_before, months_after = 44, 34
    assert len(after) / months_after > 3 * len(before) / months_before
    area_after = (after.level == "area").sum() / months_after
    assert area_after > 2 * (before.level == "area").sum() / months_before


def test_placement_effect_direction():
    itv = _read("interventions")
    itv = itv[itv.intervention_type.isin(PLACEMENT_TYPES)]
    before, after = _before_after(itv, "decision_date")
    share = lambda d: (d.prior_open_care == "false").mean()  # noqa: E731
    assert share(after) < share(before) - 0.1


# --- survey ---------------------------------------------------------------------------------


def test_survey_cases():
    q, inv, resp = _read("survey_questions"), _read("survey_invitations"), _read("survey_responses")
    assert {"agree5", "satisfied4", "yesno", "free_text"} <= set(q.scale)
    assert set(inv.period) == {"2023", "2024"}
    n = resp.groupby(["period", "unit"]).respondent_id.nunique()
    invited = inv.set_index(["period", "unit"]).invited.astype(int)
    rate = (n / invited).dropna()
    big, tiny, low = "Socialtjänst Skäggetorp", "Familjebehandlingen Ryd", "Öppenvården Berga"
    assert (rate.xs(big, level="unit") >= 0.75).all() and (n.xs(big, level="unit") >= 90).all()
    assert (n.xs(tiny, level="unit") < 10).all()
    assert (rate.xs(low, level="unit") <= 0.35).all()
    free = set(q.loc[q.scale == "free_text", "question_id"])
    texts = set(resp.loc[resp.question_id.isin(free) & (resp.answer != ""), "answer"])
    assert texts and texts <= set(surveys.FREE_TEXT)


def _positive_share(resp, unit, qid, period):
    sel = resp[
        (resp.unit == unit)
        & (resp.question_id == qid)
        & (resp.period == period)
        & (resp.answer != "")
    ]
    return sel.answer.isin(["4", "5"]).mean() * 100


def test_survey_real_change_and_no_change():
    resp = _read("survey_responses")
    unit = "Socialtjänst Skäggetorp"
    change = _positive_share(resp, unit, "q2_snabb_hjalp", "2024") - _positive_share(
        resp, unit, "q2_snabb_hjalp", "2023"
    )
    stable = _positive_share(resp, unit, "q1_respekt", "2024") - _positive_share(
        resp, unit, "q1_respekt", "2023"
    )
    assert change > 20 and abs(stable) < 3
