"""``lesionbench samples`` command line."""

from __future__ import annotations

import numpy as np

from lesionbench.cli import main
from lesionbench.samples import CaseSamples

from tests.preprocessed_files import write_preprocessed


def test_cli_extracts_samples(tmp_path, capsys):
    mask = np.zeros((4, 6, 6), dtype=np.uint8)
    mask[1, 2:4, 2:4] = 1
    write_preprocessed(tmp_path / "c1.npz", np.full((1, 4, 6, 6), 0.3), mask)
    assert main(["samples", "--input", str(tmp_path / "c1.npz"), "--out", str(tmp_path / "s" / "c1"),
                 "--settings", '{"size": [12, 12], "lesion_free_fraction": 0.0, "resampling": {"labels": "nearest"}}']) == 0
    stored = CaseSamples(tmp_path / "s" / "c1")
    assert stored.images.shape == (4, 1, 12, 12) and stored.targets == [1]
    assert float(stored.label_rows(0, 4).sum()) == 16  # 2 x 2 lesion pixels scaled by 2 in each direction
    assert main(["samples", "--input", str(tmp_path / "none.npz"), "--out", str(tmp_path / "x")]) == 2
    assert "none.npz: no such file" in capsys.readouterr().err
