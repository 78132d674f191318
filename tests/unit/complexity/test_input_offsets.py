"""The complexity table measures a network that sees part of the 2.5D stack (``network.input_offsets``)
with the channels it sees: the workflow gives them as the experiment's ``in_channels``."""

import pandas as pd

from lesionbench.complexity import complexity_table


def test_a_narrower_input_is_measured_with_its_own_channels(tmp_path, fake_networks):
    experiments = {
        "stack": {"network": {"name": "tiny"}},
        "target": {"network": {"name": "tiny", "input_offsets": [0]}, "in_channels": 1},
    }
    tsv, md = tmp_path / "complexity.tsv", tmp_path / "complexity.md"
    complexity_table(experiments, 2, (8, 6), tsv, md, repeats=2, warmup=0, threads=1)
    written = pd.read_csv(tsv, sep="\t")
    # tiny (width 4): params 9*C*4 + 4 + 8 + 4 + 1: 89 with 2 channels, 53 with 1
    assert written["parameters"].tolist() == [89, 53]
    assert written["flops"].tolist() == [7296, 2 * 9 * 1 * 4 * 48 + 2 * 4 * 48]
    assert "Input 1 x 2 x 8 x 6 (one slice); 1 x 1 for target. Parameters" in md.read_text()
