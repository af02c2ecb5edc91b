from services.screener.bootstrap import load_policy
from services.screener.domain.name_policy import match_config
from services.screener.domain.policy import Policy
from services.watchlists.domain.criteria import MatchConfig


def test_thresholds_come_from_the_policy_file() -> None:
    policy = load_policy()
    rule = policy.rule("sanctions.name")
    assert rule is not None
    config = match_config(policy)
    assert (config.threshold, config.floor) == (rule["threshold"], rule["floor"])


def test_a_policy_without_name_thresholds_keeps_the_tuned_defaults() -> None:
    assert match_config(Policy(version="p")) == MatchConfig()
    assert match_config(None) == MatchConfig()


def test_a_stricter_policy_changes_what_is_a_hit() -> None:
    base = load_policy()
    data = {
        "version": "strict",
        "bands": {"flag": base.bands.flag, "hold": base.bands.hold},
        "graph": {"window_days": base.window_days},
        "rules": {"sanctions.name": {"weight": 1.0, "forced": "hold", "threshold": 0.95, "floor": 0.7}},
    }
    assert match_config(Policy.parse(data)).threshold == 0.95
