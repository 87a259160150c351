"""scanner.pricing.pipeline: the generated fixture shops end to end, against their ground truth."""

from __future__ import annotations

from pathlib import Path

import pytest
from _pricing_fixtures import CAPTURES, noisy_items, truth

from scanner.errors import InputError, UsageError
from scanner.pricing.pipeline import PricingRequest, run_pricing
from scanner.report.json import result_document
from scanner.report.schema import validate_result


def request(scenario: str, fmt: dict[str, str] | None = None, controls=None,
            baseline=None) -> PricingRequest:
    gt = truth(scenario)
    folder = CAPTURES / scenario
    fmt = fmt or {}

    def files(capture: str) -> tuple[Path, ...]:
        return (folder / f"{capture}.{fmt.get(capture, 'mitm')}",)

    profiles = tuple((p, files(p)) for p in (gt["baseline"], gt["treatment"]))
    ctrls = tuple((p, files(f"{p}-control"))
                  for p in (controls if controls is not None else gt["controls"]))
    return PricingRequest(profiles=profiles, controls=ctrls, baseline=baseline)


def marked_items(scenario: str) -> set[str]:
    gt = truth(scenario)
    items = set(gt["marked_up"])
    if scenario == "shop-fair":  # the mall's JSON ids are 1000 + number
        return {str(1000 + int(i[1:])) for i in items}
    return items


@pytest.mark.parametrize("scenario", ["shop-discriminating", "ride-quote"])
@pytest.mark.parametrize("fmt", ["mitm", "har", "mixed"])
def test_discriminating_fixture_flagged_with_profile_direction_markup_items(scenario, fmt):
    gt = truth(scenario)
    b, t = gt["baseline"], gt["treatment"]
    formats = {t: "har", f"{b}-control": "har"} if fmt == "mixed" else dict.fromkeys(
        (b, t, f"{b}-control", f"{t}-control"), fmt)
    result = run_pricing(request(scenario, formats))
    (cmp,) = result.extra["comparisons"]
    assert (cmp["baseline"], cmp["treatment"]) == (b, t)
    assert cmp["discrimination"] and cmp["direction"] == gt["direction"] == "higher"
    # every item the captures left untouched by noise is reported, and nothing else
    expected = set(gt["marked_up"]) - noisy_items(gt)
    assert set(cmp["items_beyond_noise"]) == expected
    markup = set(gt["marked_up"].values())
    assert len(markup) == 1
    assert cmp["median_rel_diff_beyond_noise"] == pytest.approx(markup.pop(), abs=0.002)
    # ride-quote's smaller coupons are also a deal-term finding (ALGO-TERM-0001, tested in
    # test_fairness_pipeline.py); one price finding
    (finding,) = [f for f in result.findings if f.rule.startswith("ALGO-PRICE")]
    assert finding.rule == "ALGO-PRICE-0001"
    assert finding.subject == {"baseline": b, "treatment": t, "direction": "higher",
                               "direction_zh": "高"}
    assert f"画像 {t} 相对 {b} 价格系统性偏高" == finding.title.zh
    assert {c.cite for c in finding.legal_basis} >= {"PIPL-Art24", "ALGO-Rec-Art21"}
    locs = finding.evidence[0].locators
    assert {loc["item"] for loc in locs} == expected
    assert {loc["profile"] for loc in locs} == {b, t}
    assert all(loc["kind"] == "pricing" and loc["flow"] and loc["path"] for loc in locs)


def test_fair_shop_with_the_same_noise_is_not_flagged():
    gt = truth("shop-fair")
    other = truth("shop-discriminating")["noise_factors"]
    assert gt["noise_factors"] == {cap: {i.replace("G", "S"): f for i, f in moved.items()}
                                   for cap, moved in other.items()}  # the very same noise
    for fmt in ("mitm", "har"):
        result = run_pricing(request("shop-fair", dict.fromkeys(
            ("new", "loyal", "new-control", "loyal-control"), fmt)))
        (cmp,) = result.extra["comparisons"]
        assert not cmp["discrimination"] and cmp["reasons"]
        assert result.findings == ()
        assert cmp["items_beyond_noise"] == []


def test_fair_shop_different_item_sets_reported():
    gt = truth("shop-fair")
    result = run_pricing(request("shop-fair"))
    (cmp,) = result.extra["comparisons"]
    gone = {str(1000 + int(i[1:])) for i in gt["missing"]["loyal"]}
    assert cmp["n_only_baseline"] == len(gone) == 3 and cmp["n_only_treatment"] == 0
    assert cmp["n_items"] == 41 - 3
    items = {i["item"]: i for i in result.extra["items"]}
    for item in gone:
        assert "loyal" in items[item]["missing"] and "loyal" not in items[item]["prices"]
    extra = items["1041"]
    assert extra["prices"] == {"new": 49.9} and set(extra["missing"]) == {
        "loyal", "loyal-control", "new-control"}


def test_items_fields_units_and_evidence():
    gt = truth("shop-discriminating")
    result = run_pricing(request("shop-discriminating", {"loyal": "har"}))
    doc = result_document(result)
    assert doc["command"] == "pricing"
    assert [p["name"] for p in doc["profiles"]] == ["new", "loyal", "loyal-control",
                                                   "new-control"]  # the order given
    assert [p["role"] for p in doc["profiles"]] == ["baseline", "treatment", "control",
                                                   "control"]
    assert [p["profile"] for p in doc["profiles"]] == ["new", "loyal", "loyal", "new"]
    validate_result(doc)  # the report schema of result.json
    assert {i["kind"] for i in doc["inputs"]} == {"flows", "har"}
    assert all(len(i["sha256"]) == 64 and len(i["sm3"]) == 64 for i in doc["inputs"])
    items = {i["item"]: i for i in doc["items"]}
    assert len(items) == 40
    for item, base in gt["base_prices_cents"].items():
        row = items[item]
        for cap, prices in gt["prices_cents"].items():
            assert row["prices"][cap] == pytest.approx(prices[item] / 100)  # cents → yuan
        assert row["list_prices"]["new"] == pytest.approx(round(base * 1.2) / 100)
        assert row["unit"] == "yuan" and row["price_role"] == "payable"
        assert row["endpoint"] == "shop.example/api/v2/search"
        assert row["evidence"]["loyal"]["flow"].startswith("loyal.har#")
        assert row["evidence"]["new"]["path"].startswith("data.goods[")
    g = next(iter(gt["marked_up"]))
    assert items[g]["rel_diff"]["loyal"] > 0
    for key in ("n_items", "n_higher", "n_lower", "median_rel_diff", "p_value",
                "control_noise", "max_rel_diff", "ci_low", "ci_high", "items_beyond_noise",
                "direction", "discrimination"):
        assert key in doc["comparisons"][0]
    assert doc["pricing"]["noise"]["pairs"] == [["loyal", "loyal-control"],
                                               ["new", "new-control"]]


def test_detail_pages_alone_give_the_same_prices_as_search():
    """The detail pages are read by discovery (yuan strings); they agree with the cents API."""
    from scanner.pricing.capture import read_exchanges
    from scanner.pricing.config import load_pricing_config
    from scanner.pricing.extract import extract_prices

    gt = truth("shop-discriminating")
    cfg = load_pricing_config()
    seen = {}
    for ex in read_exchanges(CAPTURES / "shop-discriminating" / "loyal.mitm"):
        for o in extract_prices(ex, "loyal", cfg):
            if o.extractor == "auto":
                seen[o.item] = o.price
    assert sorted(seen) == gt["detail_pages"]
    for item, price in seen.items():
        assert price == pytest.approx(gt["prices_cents"]["loyal"][item] / 100)


def test_one_control_only_still_flags_and_reports_treatment_noise():
    gt = truth("shop-discriminating")
    result = run_pricing(request("shop-discriminating", controls=["loyal"]))
    (cmp,) = result.extra["comparisons"]
    assert cmp["discrimination"] and cmp["direction"] == "higher"
    # baseline noise cannot be told apart without the baseline's control
    assert set(cmp["items_beyond_noise"]) <= set(gt["marked_up"]) | set(gt["noise_factors"]["new"])


def test_no_control_reports_but_does_not_flag():
    result = run_pricing(request("shop-discriminating", controls=[]))
    (cmp,) = result.extra["comparisons"]
    assert cmp["control_noise"] is None and not cmp["discrimination"]
    assert result.findings == ()
    assert result.extra["pricing"]["noise"] is None
    validate_result(result_document(result))


def test_baseline_swapped_gives_direction_lower():
    gt = truth("ride-quote")
    r = request("ride-quote", baseline="ios")
    result = run_pricing(r)
    (cmp,) = result.extra["comparisons"]
    assert (cmp["baseline"], cmp["treatment"]) == ("ios", "android")
    assert cmp["discrimination"] and cmp["direction"] == "lower"
    assert result.findings[0].title.zh == "画像 android 相对 ios 价格系统性偏低"
    assert set(cmp["items_beyond_noise"]) == set(gt["marked_up"]) - noisy_items(gt)


def test_capture_without_prices_is_reported_as_skipped(tmp_path):
    empty = tmp_path / "empty.har"
    empty.write_text('{"log": {"entries": []}}')
    shop = CAPTURES / "shop-fair"
    result = run_pricing(PricingRequest(profiles=(("new", (shop / "new.mitm",)),
                                                  ("loyal", (empty,)))))
    assert result.partial
    assert any(s.what == "profile loyal" for s in result.skipped)
    assert result.extra["comparisons"][0]["n_items"] == 0
    validate_result(result_document(result))


@pytest.mark.parametrize(("profiles", "controls", "baseline", "message"), [
    ((("a", ("x",)),), (), None, "at least two"),
    ((("a", ("x",)), ("a", ("y",))), (), None, "twice"),
    ((("a", ("x",)), ("b", ("y",))), (), "c", "--baseline"),
    ((("a", ("x",)), ("b", ("y",))), (("c", ("z",)),), None, "not one of the profiles"),
    ((("a", ("x",)), ("a-control", ("y",))), (("a", ("z",)),), None, "clashes"),
    ((("a b", ("x",)), ("b", ("y",))), (), None, "bad profile name"),
])
def test_usage_errors(profiles, controls, baseline, message):
    req = PricingRequest(
        profiles=tuple((n, tuple(Path(f) for f in fs)) for n, fs in profiles),
        controls=tuple((n, tuple(Path(f) for f in fs)) for n, fs in controls),
        baseline=baseline)
    with pytest.raises(UsageError, match=message):
        run_pricing(req)


def test_missing_capture_is_input_error(tmp_path):
    shop = CAPTURES / "shop-fair"
    with pytest.raises(InputError, match="no such capture file"):
        run_pricing(PricingRequest(profiles=(("new", (shop / "new.mitm",)),
                                             ("loyal", (tmp_path / "nope.mitm",)))))


def test_capture_addon_profile_labels_are_reported(tmp_path):
    import json as _json

    shop = CAPTURES / "shop-fair"
    doc = _json.loads((shop / "loyal.har").read_text("utf-8"))
    for entry in doc["log"]["entries"]:
        entry["_appaudit"] = {"appaudit_profile": "new"}  # the analyst mixed the files up
    mixed = tmp_path / "loyal.har"
    mixed.write_text(_json.dumps(doc), encoding="utf-8")
    result = run_pricing(PricingRequest(profiles=(("new", (shop / "new.har",)),
                                                  ("loyal", (mixed,)))))
    profs = {p["name"]: p for p in result.extra["profiles"]}
    assert profs["loyal"]["capture_labels"] == ["new"] and profs["loyal"]["label_mismatch"]
    assert profs["new"]["capture_labels"] == [] and not profs["new"]["label_mismatch"]


def test_control_identical_to_profile_capture_is_refused(tmp_path):
    shop = CAPTURES / "shop-fair"
    copy = tmp_path / "copy.mitm"
    copy.write_bytes((shop / "loyal.mitm").read_bytes())
    with pytest.raises(UsageError, match="same file"):
        run_pricing(PricingRequest(profiles=(("new", (shop / "new.mitm",)),
                                             ("loyal", (shop / "loyal.mitm",))),
                                   controls=(("loyal", (copy,)),)))


def _har(path: Path, bodies: list[dict]) -> Path:
    import json as _json

    entries = [{"startedDateTime": "2026-01-01T00:00:00Z",
                "request": {"method": "GET", "url": f"https://m.test/api/{i}"},
                "response": {"status": 200, "content": {"text": _json.dumps(b)}}}
               for i, b in enumerate(bodies)]
    path.write_text(_json.dumps({"log": {"entries": entries}}), encoding="utf-8")
    return path


def test_cents_in_one_profile_yuan_strings_in_another_compare_equal(tmp_path):
    new = _har(tmp_path / "new.har", [{"list": [{"sku_id": "A", "price_fen": 11800},
                                                {"sku_id": "B", "price_fen": 5000}]}])
    loyal = _har(tmp_path / "loyal.har", [{"goods": {"sku_id": "A", "pay_price": "¥118.00"}},
                                          {"goods": {"sku_id": "B", "pay_price": "55.00元"}}])
    result = run_pricing(PricingRequest(profiles=(("new", (new,)), ("loyal", (loyal,)))))
    items = {i["item"]: i for i in result.extra["items"]}
    assert items["A"]["prices"] == {"new": 118.0, "loyal": 118.0}
    assert items["B"]["prices"] == {"new": 50.0, "loyal": 55.0}
    assert items["A"]["unit"] == "yuan" and items["A"]["comparable"]
    assert items["B"]["rel_diff"] == {"loyal": pytest.approx(0.10)}
    (cmp,) = result.extra["comparisons"]
    assert (cmp["n_items"], cmp["n_higher"], cmp["n_equal"]) == (2, 1, 1)


def test_unit_unknown_against_yuan_is_reported_not_compared(tmp_path):
    new = _har(tmp_path / "new.har", [{"list": [{"sku_id": "A", "price": 11800},
                                                {"sku_id": "B", "price": 50.5}]}])
    loyal = _har(tmp_path / "loyal.har", [{"list": [{"sku_id": "A", "price": "¥118.00"},
                                                    {"sku_id": "B", "price": 50.5}]}])
    result = run_pricing(PricingRequest(profiles=(("new", (new,)), ("loyal", (loyal,)))))
    items = {i["item"]: i for i in result.extra["items"]}
    assert items["A"]["unit"] == "mixed" and not items["A"]["comparable"]
    assert items["A"]["rel_diff"] == {}
    assert result.partial and any(s.what == "item A" for s in result.skipped)
    assert result.extra["comparisons"][0]["n_items"] == 1


def test_capture_time_windows_reported():
    result = run_pricing(request("ride-quote"))
    profs = {p["name"]: p for p in result.extra["profiles"]}
    # the generator starts every capture at 2026-01-01T00:00:00Z, one request a second
    assert profs["ios"]["time_start"] == pytest.approx(1_767_225_600.0)
    assert profs["ios"]["time_end"] == pytest.approx(1_767_225_600.0 + 29)
    assert result.extra["pricing"]["start_spread_s"] == pytest.approx(0.0)
