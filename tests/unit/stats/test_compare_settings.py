"""Compare settings: validation and loading from the command line."""

from __future__ import annotations

import json

import pytest

from lesionbench.stats import CompareSettings, SettingsError, load_settings


def test_defaults_follow_paper_000():
    s = CompareSettings.from_dict({"reference": "ours"})
    assert (s.correction, s.alpha, s.alternative, s.zero_method, s.family) == (
        "fdr_bh", 0.05, "two-sided", "wilcox", "per_metric")
    assert s.metrics == ("dice", "ppv", "sensitivity")
    assert s.metric_label("sensitivity") == "Sensitivity"
    assert CompareSettings.from_dict({"reference": "o", "metric_labels": {"sensitivity": "SC"}}).metric_label(
        "sensitivity") == "SC"


@pytest.mark.parametrize("data, message", [
    ({"reference": "o", "bogus": 1}, r"compare.bogus: unknown setting \(valid: alpha, alternative"),
    ({"metrics": ["dice"]}, "compare.reference: required setting is missing"),
    ({"reference": "o", "correction": "magic"}, r"compare.correction: unknown correction 'magic' \(valid: b, s"),
    ({"reference": "o", "metrics": ["dice", "ppv", "dcie"]}, r"compare.metrics\[2\]: unknown metric 'dcie' \(valid: dice"),
    ({"reference": "o", "zero_method": "drop"}, "compare.zero_method: 'drop' is not one of 'wilcox', 'pratt' or 'zsplit'"),
    ({"reference": "o", "family": "all"}, "compare.family: 'all' is not one of"),
    ({"reference": "o", "alpha": 1.5}, r"compare.alpha: must be < 1 \(got 1.5\)"),
    ({"reference": "o", "metrics": "dice"}, "compare.metrics: input should be a valid list"),
    ({"reference": "o", "decimals": -1}, r"compare.decimals: must be >= 0 \(got -1\)"),
    ({"reference": "o", "posthoc": "dunn"}, "compare.posthoc: 'dunn' is not one of 'nemenyi' or 'wilcoxon_holm'"),
    ({"reference": "o", "ranking_method": "mean"}, "compare.ranking_method: 'mean' is not one of"),
    ({"reference": "o", "ranking_resamples": 0}, r"compare.ranking_resamples: must be >= 1 \(got 0\)"),
    ({"reference": "o", "bootstrap_method": "bca"}, "compare.bootstrap_method: 'bca' is not one of"),
    ({"reference": "o", "confidence": 95}, r"compare.confidence: must be < 1 \(got 95\)"),
    ({"reference": "o", "volume_bands_ml": [40, 20]}, "compare.volume_bands_ml: must be increasing volumes in mL"),
    ({"reference": "o", "table_styles": []}, "compare.table_styles: list should have at least 1 item"),
    ({"reference": "o", "table_styles": "paper000"}, "compare.table_styles: input should be a valid list"),
    ({"reference": "o", "style_decimals": {"paper9": 2}}, "compare.style_decimals.paper9: unknown table style 'paper9'"),
    ({"reference": "o", "classification_threshold": 2}, r"compare.classification_threshold: must be <= 1"),
    ({"reference": "o", "friedman": "yes"}, "compare.friedman: input should be a valid boolean"),
])
def test_bad_settings_name_the_key(data, message):
    with pytest.raises(SettingsError, match=message):
        CompareSettings.from_dict(data)


def test_new_defaults_and_round_trip():
    s = CompareSettings.from_dict({"reference": "ours"})
    assert s.table_styles == ("paper000",) and s.posthoc == "nemenyi" and s.ranking_resamples == 1000
    assert s.volume_bands_ml == (20.0, 40.0) and s.subgroups == ("irregular", "near_skull")
    assert not s.larger_is_better("hd95") and s.larger_is_better("dice")
    again = CompareSettings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s


def test_load_settings_inline_file_and_errors(tmp_path):
    assert load_settings('{"reference": "unet"}') == {"reference": "unet"}
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"reference": "x", "alpha": 0.01}))
    assert load_settings(path)["alpha"] == 0.01
    with pytest.raises(FileNotFoundError, match="nope.json: settings file not found"):
        load_settings(tmp_path / "nope.json")
    with pytest.raises(ValueError, match="inline settings: not valid JSON"):
        load_settings("{reference: x}")
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="s.json: settings must be a mapping, got list"):
        load_settings(path)
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text("reference: unet\nmetrics: [dice, hd95]\n")
    assert load_settings(yaml_file) == {"reference": "unet", "metrics": ["dice", "hd95"]}
    yaml_file.write_text("reference: [unet\n")
    with pytest.raises(ValueError, match="s.yaml: not valid YAML"):
        load_settings(yaml_file)
