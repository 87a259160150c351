"""Rankings, deal terms and "personalisation off" end to end on the generated fixtures.

The expectations come from how the captures were built (ground_truth.json, written by
corpus/pricing/make_captures.py): which hotels were promoted, which shops charge the
loyal profile more, which captures were taken with personalisation off.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _pricing_fixtures import CAPTURES, truth

from scanner.errors import UsageError
from scanner.pricing.pipeline import PricingRequest, run_pricing
from scanner.report.json import result_document
from scanner.report.schema import validate_result


def run(scenario: str, fmt: str = "mitm", off_option: tuple[str, ...] = (),
        with_off: bool = True):
    folder = CAPTURES / scenario
    names = ["new", "loyal"] + (["off-new", "off-loyal"] if with_off else [])
    return run_pricing(PricingRequest(
        profiles=tuple((n, (folder / f"{n}.{fmt}",)) for n in names),
        controls=tuple((n, (folder / f"{n}-control.{fmt}",)) for n in ("new", "loyal")),
        personalisation_off=off_option))


def rules(result) -> list[str]:
    return sorted(f.rule for f in result.findings)


def main_ranking(result) -> dict:
    (r,) = [r for r in result.extra["rankings"]
            if (r["baseline"], r["treatment"]) == ("new", "loyal")]
    return r


@pytest.mark.parametrize("fmt", ["mitm", "har"])
def test_hotel_ranking_steering_found_and_no_price_finding(fmt):
    gt = truth("hotel-ranking")
    res = run("hotel-ranking", fmt)
    # prices are the same in every capture (ground truth has one price per hotel)
    assert all(len(set(it["prices"].values())) == 1 for it in res.extra["items"])
    assert "ALGO-PRICE-0001" not in rules(res)
    assert rules(res) == ["ALGO-RANK-0001"]
    r = main_ranking(res)
    assert r["beyond_noise"] and r["steering"] == "expensive_up"
    assert r["kendall_tau"] < r["control_kendall_tau"]
    # every hotel reported as moved up beyond noise is one of the ten promoted ones
    up = {k for k in r["items_beyond_noise"] if r["shifts"][k] > 0}
    assert up and up <= set(gt["promoted"])
    # the list is the 40 hotels, both pages joined; the ts parameter does not split it
    (lst,) = res.extra["ranked_lists"]
    assert lst["list"].startswith("hotel.example/api/hotel/search?checkin=2026-01-10")
    assert lst["orders"]["loyal"] == gt["orders"]["loyal"]
    (f,) = res.findings
    assert f.title.zh.startswith("列表") and "loyal" in f.title.zh


def test_personalisation_off_from_capture_labels_honoured_in_hotel_search():
    res = run("hotel-ranking")
    off = res.extra["personalisation_off"]
    assert off["profiles"] == ["off-new", "off-loyal"]  # from the addon labels only
    (c,) = off["comparisons"]
    assert (c["reference"], c["profile"], c["differs"]) == ("off-new", "off-loyal", False)
    docs = {p["name"]: p for p in res.extra["profiles"]}
    assert docs["off-new"]["personalisation"] == "off" and docs["new"]["personalisation"] is None


def test_food_delivery_fee_discrimination_and_off_switch_not_honoured():
    gt = truth("food-delivery")
    res = run("food-delivery")
    assert "ALGO-RANK-0001" not in rules(res) and "ALGO-PRICE-0001" not in rules(res)
    assert "ALGO-PERS-0001" in rules(res)
    worse = set(gt["worse_terms"])
    cmps = {(c["baseline"], c["treatment"], c["term"]): c
            for c in res.extra["term_comparisons"]}
    fee = cmps[("new", "loyal", "delivery_fee")]
    assert fee["discrimination"] and fee["direction"] == "worse"
    assert set(fee["items_beyond_noise"]) <= worse
    assert fee["median_diff_beyond_noise"] == pytest.approx(1.5)  # fee_delta 150 分
    assert not cmps[("new", "loyal", "coupon")]["discrimination"]
    # off-new is treated as new, off-loyal still gets the loyal fees (ground truth)
    assert not cmps[("new", "off-new", "delivery_fee")]["discrimination"]
    (c,) = res.extra["personalisation_off"]["comparisons"]
    assert c["differs"] and c["terms_differ"] == ["delivery_fee"] and not c["lists_differ"]
    (pers,) = [f for f in res.findings if f.rule == "ALGO-PERS-0001"]
    # the term by its name, not its id (delivery_fee), in both languages
    assert "Delivery fee" in pers.title.en and "配送费" in pers.title.zh
    assert "off-loyal" in pers.title.zh and "delivery_fee" not in pers.title.zh + pers.title.en
    term_findings = [f for f in res.findings if f.rule == "ALGO-TERM-0001"]
    assert {f.title.zh for f in term_findings} >= {"画像 loyal 相对 new 的配送费系统性更差"}
    rows = [t for t in res.extra["terms"] if t["term"] == "delivery_fee"]
    assert len(rows) == 45 and all(set(t["values"]) >= {"new", "loyal"} for t in rows)


def test_delivery_fair_has_no_finding():
    res = run("delivery-fair")
    assert rules(res) == []
    assert all(not r["beyond_noise"] for r in res.extra["rankings"])
    assert all(not c["discrimination"] for c in res.extra["term_comparisons"])
    assert not res.extra["personalisation_off"]["comparisons"][0]["differs"]


def test_ride_quote_smaller_coupons_for_ios():
    gt = truth("ride-quote")
    folder = CAPTURES / "ride-quote"
    res = run_pricing(PricingRequest(
        profiles=(("android", (folder / "android.mitm",)), ("ios", (folder / "ios.mitm",))),
        controls=(("android", (folder / "android-control.mitm",)),
                  ("ios", (folder / "ios-control.mitm",)))))
    (c,) = res.extra["term_comparisons"]
    assert (c["term"], c["kind"], c["direction"], c["discrimination"]) == (
        "coupon", "benefit", "worse", True)
    assert set(c["items_beyond_noise"]) <= set(gt["marked_up"])
    assert "ALGO-TERM-0001" in rules(res)


def test_off_option_names_profiles_and_result_validates():
    res = run("delivery-fair", off_option=("new", "off-new"))
    assert res.extra["personalisation_off"]["profiles"] == ["new", "off-new", "off-loyal"]
    validate_result(result_document(res))


def test_off_option_unknown_profile_is_usage_error():
    with pytest.raises(UsageError, match="--personalisation-off"):
        run("delivery-fair", off_option=("nobody",))


def test_single_off_profile_compares_nothing():
    folder: Path = CAPTURES / "delivery-fair"
    res = run_pricing(PricingRequest(
        profiles=(("new", (folder / "new.mitm",)), ("off-new", (folder / "off-new.mitm",))),
        controls=(("new", (folder / "new-control.mitm",)),)))
    assert res.extra["personalisation_off"] == {"profiles": ["off-new"], "comparisons": []}


@pytest.mark.parametrize(("lang", "heading", "verdict"), [
    ("zh", "排序与交易条件", "高价商品前移"),
    ("en", "Rankings and deal terms", "Pricier items moved up")])
def test_html_report_has_rank_plots_and_term_tables(lang, heading, verdict):
    from scanner.report.html import HtmlFormat

    doc = result_document(run("hotel-ranking"))
    html = HtmlFormat().render(doc, lang).decode("utf-8")
    section = html[html.index('id="fairness"'):]
    assert heading in section and verdict in section
    # one rank-vs-rank plot per comparison of the list (loyal, off-new, off-loyal vs new;
    # off-loyal vs off-new)
    assert section.count('<img class="plot" src="data:image/png;base64,') == 4
    doc = result_document(run("food-delivery"))
    html = HtmlFormat().render(doc, lang).decode("utf-8")
    section = html[html.index('id="fairness"'):]
    assert ("配送费" if lang == "zh" else "Delivery fee") in section
    assert ("仍有差异" if lang == "zh" else "Still differs") in section


def test_csv_has_rankings_terms_and_term_comparisons():
    import csv
    import io

    from scanner.report import get_format

    files = get_format("csv").render(result_document(run("food-delivery")), "en")
    assert {"rankings.csv", "terms.csv", "term_comparisons.csv"} <= set(files)

    def rows(name):
        return list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))

    comps = {(r["treatment"], r["term"]): r for r in rows("term_comparisons.csv")}
    assert comps[("loyal", "delivery_fee")]["discrimination"] == "True"
    terms = rows("terms.csv")
    assert len(terms) == len(result_document(run("food-delivery"))["terms"])
    assert {"item", "term", "new", "loyal", "new-control"} <= set(terms[0])
    assert rows("rankings.csv")[0]["list"].startswith("waimai.example/api/shops/nearby")
