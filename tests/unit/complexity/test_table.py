import math

import pandas as pd
import pytest

from lesionbench.complexity import TSV_COLUMNS, complexity_table

EXPERIMENTS = {
    "small": {"network": {"name": "tiny"}, "loss": {"name": "dice"}},
    "large": {"network": {"name": "wide"}},
    "small_again": {"network": {"name": "tiny"}, "loss": {"name": "focal"}},
}


def test_one_row_per_experiment_with_hand_counted_values(tmp_path, fake_networks):
    tsv, md = tmp_path / "complexity.tsv", tmp_path / "complexity.md"
    table = complexity_table(EXPERIMENTS, 2, (8, 6), tsv, md, repeats=3, warmup=1, threads=1)
    written = pd.read_csv(tsv, sep="\t")
    assert list(written.columns) == list(TSV_COLUMNS)
    assert written["experiment"].tolist() == ["small", "large", "small_again"]
    assert written["network"].tolist() == ["tiny", "wide", "tiny"]
    # tiny (width 4): params 72+4+8+4+1 = 89, FLOPs 2*9*2*4*48 + 2*4*48 = 7296
    # wide (width 8): params 144+8+16+8+1 = 177, FLOPs 2*9*2*8*48 + 2*8*48 = 14592
    assert written["parameters"].tolist() == [89, 177, 89]
    assert written["flops"].tolist() == [7296, 14592, 7296]
    assert written["macs"].tolist() == [3648, 7296, 3648]
    assert written["parameters_m"].tolist() == pytest.approx([89e-6, 177e-6, 89e-6])
    assert written["gflops"].tolist() == pytest.approx([7.296e-6, 14.592e-6, 7.296e-6])
    assert written["gmacs"].tolist() == pytest.approx([3.648e-6, 7.296e-6, 3.648e-6])
    latency = written["latency_ms_per_slice"]
    assert all(math.isfinite(v) and v > 0 for v in latency)
    assert (written["latency_ms_p25"] <= latency).all() and (latency <= written["latency_ms_p75"]).all()
    assert len(fake_networks) == 2  # the same network section is measured once
    assert table["experiment"].tolist() == written["experiment"].tolist()


def test_markdown_table(tmp_path, fake_networks):
    md = tmp_path / "complexity.md"
    complexity_table(EXPERIMENTS, 2, (8, 6), tmp_path / "c.tsv", md, repeats=2, warmup=0, threads=1)
    lines = md.read_text().splitlines()
    assert lines[0] == "| Experiment | Network | Parameters (M) | GFLOPs | GMACs | Latency (ms/slice) |"
    rows = [line for line in lines[2:] if line.startswith("|")]
    assert len(rows) == 3
    assert rows[1].startswith("| large | wide | 0.000 | 0.000 | 0.000 | ")
    text = md.read_text()
    assert "Input 1 x 2 x 8 x 6" in text and "a multiply-add = 2 FLOPs" in text and "1 thread(s)" in text
    assert "median of 2 forward passes" in text and '"settings_hash"' in text


@pytest.mark.parametrize(
    "experiments, error, message",
    [
        ({}, ValueError, "got none"),
        ({"a": {"network": {"name": "tiny"}}, "b": {"loss": {"name": "dice"}}}, ValueError,
         "experiment 'b' has no 'network' section with a 'name'"),
        ({"a": {"network": {"name": "tiny"}}, "b": {"network": {"name": "nope"}}}, KeyError,
         "complexity: experiment 'b': unknown network 'nope'"),
        ({"a": {"network": {"name": "tiny", "in_channels": 5}}}, ValueError,
         "complexity: experiment 'a': network.in_channels: 5 in the settings"),
    ],
)
def test_bad_experiments_leave_no_output(tmp_path, fake_networks, experiments, error, message):
    tsv, md = tmp_path / "c.tsv", tmp_path / "c.md"
    with pytest.raises(error, match=message):
        complexity_table(experiments, 2, (8, 6), tsv, md, repeats=1, warmup=0)
    assert list(tmp_path.iterdir()) == []
