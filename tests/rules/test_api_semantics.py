"""The generic call-site judgement (scanner.knowledge.semantics) on hand-made entries.

Expected verdicts follow from the entry and app facts each test writes."""

from __future__ import annotations

from scanner.knowledge import ApiInfo
from scanner.knowledge.semantics import AppFacts, judge, render_args

FINE = "android.permission.ACCESS_FINE_LOCATION"
COARSE = "android.permission.ACCESS_COARSE_LOCATION"
LOC = ApiInfo(
    key="Lx;->loc(Ljava/lang/String;)V", access="invoke", pi_type="precise_location",
    permissions=(FINE, COARSE), args=(("provider", 0),),
    when=({"if": {"provider": "gps"}, "pi_type": "precise_location", "permissions": [FINE]},
          {"if": {"provider": ["network", "passive"]}, "pi_type": "coarse_location"}),
)


def app(*perms, min_sdk=21, target=33):
    return AppFacts("com.a", min_sdk, target, frozenset(perms))


def test_arguments_choose_the_pi_type_and_permission():
    v = judge(LOC, {"provider": "network"}, frozenset(), app(COARSE))
    assert (v.pi_type, v.effective, v.confidence) == ("coarse_location", True, "high")
    v = judge(LOC, {"provider": "gps"}, frozenset(), app(COARSE))
    assert (v.pi_type, v.effective, v.reason) == ("precise_location", False,
                                                  "permission_not_declared")
    # fine implies coarse
    assert judge(LOC, {"provider": "network"}, frozenset(), app(FINE)).effective


def test_unknown_argument_keeps_the_entry_with_low_confidence():
    v = judge(LOC, {}, frozenset(), app(FINE))
    assert (v.pi_type, v.effective, v.confidence) == ("precise_location", True, "low")


def test_unknown_argument_of_a_single_target_query_is_ruled_out_with_its_reason():
    why = {"zh": "一次调用只查询一个应用", "en": "one call queries one app"}
    one = ApiInfo(key="Lx;->info(Ljava/lang/String;)V", access="invoke",
                  pi_type="installed_apps", permissions=(), args=(("package", 0),),
                  when=({"if": {"package": {"own": True}}, "pi_type": "none"},),
                  unknown="rule_out", unknown_reason=why)
    v = judge(one, {}, frozenset(), app())
    assert (v.pi_type, v.effective, v.reason, v.confidence) == (
        "installed_apps", False, "arguments_no_pi", "low")
    assert v.reason_text == why
    # a known own-package argument still takes its condition's verdict
    assert judge(one, {"package": "com.a"}, frozenset(), app()).reason == "arguments_no_pi"


def test_known_argument_matching_nothing_keeps_the_entry_unless_otherwise_says():
    v = judge(LOC, {"provider": "fused"}, frozenset(), app(FINE))
    assert v.effective and v.confidence == "low"
    other = ApiInfo(**{**LOC.__dict__, "otherwise": {"pi_type": "none"}})
    assert judge(other, {"provider": "fused"}, frozenset(), app(FINE)).reason == \
        "arguments_no_pi"


def test_presence_conditions_need_known_absence():
    q = ApiInfo(key="Lx;->q(Landroid/content/Intent;)V", access="invoke",
                pi_type="installed_apps", permissions=(), args=(("intent", 0),),
                when=({"if": {"package": {"present": True}}, "pi_type": "none"},
                      {"if": {"action": "android.intent.action.MAIN"},
                       "pi_type": "installed_apps"}))
    assert judge(q, {"action": "android.intent.action.MAIN"}, frozenset({"package"}),
                 app()).confidence == "high"
    # package neither known nor known absent: undecided, low confidence
    assert judge(q, {"action": "android.intent.action.MAIN"}, frozenset(), app()).confidence \
        == "low"
    assert not judge(q, {"package": "com.b"}, frozenset(), app()).effective


def test_limits_by_level_target_and_permission():
    mac = ApiInfo(key="Lx;->mac()V", access="invoke", pi_type="mac_address", permissions=(),
                  limits=({"from_api": 23},))
    assert judge(mac, {}, frozenset(), app(min_sdk=21)).api_levels == {"min": 21, "max": 22}
    v = judge(mac, {}, frozenset(), app(min_sdk=23))
    assert (v.effective, v.reason) == (False, "no_pi_on_supported_versions")
    ad = ApiInfo(key="Lx;->ad()V", access="invoke", pi_type="ad_id", permissions=(),
                 limits=({"from_api": 33, "target_min": 33, "unless_permission": "P.AD_ID"},))
    assert judge(ad, {}, frozenset(), app(min_sdk=23, target=33)).api_levels["max"] == 32
    assert judge(ad, {}, frozenset(), app(min_sdk=23, target=32)).api_levels["max"] is None
    assert judge(ad, {}, frozenset(), app("P.AD_ID", min_sdk=23, target=33)
                 ).api_levels["max"] is None
    v = judge(ad, {}, frozenset(), app(min_sdk=33, target=33))
    assert (v.effective, v.reason) == (False, "permission_not_declared")


def test_render_args_flattens_objects_and_keeps_only_known_values():
    intent = ("o", "intent", 4, (("action", ("s", "android.intent.action.MAIN")),
                                 ("categories", (("s", "android.intent.category.LAUNCHER"),)),
                                 ("data", ("?",))))
    args, absent = render_args((("intent", 0),), [None, intent], [1], {
        "intent": ("action", "categories", "package", "component", "data")}, app())
    assert args == {"action": "android.intent.action.MAIN",
                    "categories": ["android.intent.category.LAUNCHER"]}
    assert absent == {"package", "component"}
    args, _ = render_args((("package", 0),), [None, ("own",)], [1], {}, app())
    assert args == {"package": "com.a"}


def test_declared_conditions_choose_the_precision_of_an_obtained_location():
    """A Location object's getters: FINE declared -> precise; only COARSE -> coarse;
    neither -> no fix can exist, ruled out as 'the source needs a permission' (no call
    Android refuses here, so not permission_not_declared)."""
    getter = ApiInfo(
        key="Lx;->lat()D", access="invoke", pi_type="precise_location",
        permissions=(FINE, COARSE),
        when=({"declared": [FINE], "pi_type": "precise_location", "permissions": [FINE]},
              {"declared": [COARSE], "pi_type": "coarse_location", "permissions": [COARSE]}),
        otherwise={"pi_type": "precise_location", "permissions": [FINE, COARSE],
                   "at_source": True})
    v = judge(getter, {}, frozenset(), app(FINE))
    assert (v.pi_type, v.effective, v.confidence) == ("precise_location", True, "high")
    v = judge(getter, {}, frozenset(), app(COARSE))
    assert (v.pi_type, v.effective) == ("coarse_location", True)
    v = judge(getter, {}, frozenset(), app())
    assert (v.effective, v.reason) == (False, "source_permission_not_declared")
    # without at_source the same entry is a call Android refuses
    plain = ApiInfo(**{**getter.__dict__, "otherwise": {"pi_type": "precise_location",
                                                         "permissions": [FINE, COARSE]}})
    assert judge(plain, {}, frozenset(), app()).reason == "permission_not_declared"


def test_declared_and_argument_conditions_combine():
    passive = ApiInfo(**{**LOC.__dict__, "when": (
        {"if": {"provider": "passive"}, "declared": [FINE], "pi_type": "precise_location",
         "permissions": [FINE]},) + LOC.when})
    assert judge(passive, {"provider": "passive"}, frozenset(), app(FINE)).pi_type == \
        "precise_location"
    assert judge(passive, {"provider": "passive"}, frozenset(), app(COARSE)).pi_type == \
        "coarse_location"


def test_an_attribute_set_to_an_unknown_value_is_present():
    """setPackage(x) with x unknown: the Intent names one package, whichever it is."""
    q = ApiInfo(key="Lx;->q(Landroid/content/Intent;)V", access="invoke",
                pi_type="installed_apps", permissions=(), args=(("intent", 0),),
                when=({"if": {"package": {"present": True}}, "pi_type": "none"},))
    intent = ("o", "intent", 4, (("action", ("s", "x.SERVICE")), ("package", ("?",))))
    present: set[str] = set()
    args, absent = render_args((("intent", 0),), [None, intent], [1],
                               {"intent": ("action", "package", "component")}, app(), present)
    assert args == {"action": "x.SERVICE"} and present == {"package"}
    assert absent == {"component"}
    v = judge(q, args, absent, app(), present=frozenset(present))
    assert (v.effective, v.reason) == (False, "arguments_no_pi")
    # without the presence, the package is unknown: kept with low confidence
    assert judge(q, args, absent, app()).confidence == "low"
