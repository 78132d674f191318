"""``lesionbench samples`` command line."""

from __future__ import annotations

import json

import numpy as np

from lesionbench.cli import main
from lesionbench.preprocess import read_npz, write_npz


def test_cli_extracts_samples(tmp_path, capsys):
    mask = np.zeros((4, 6, 6), dtype=np.uint8)
    mask[1, 2:4, 2:4] = 1
    write_npz(tmp_path / "c1.npz", {
        "image": np.full((1, 4, 6, 6), 0.3, dtype=np.float32), "mask": mask, "brain": np.ones_like(mask),
        "spacing": np.ones(3), "resampled_origin": np.zeros(3), "resampled_direction": np.eye(3).ravel(),
        "resampled_size": np.array([6, 6, 4]), "crop_start": np.zeros(3, dtype=np.int64),
        "provenance": np.array(json.dumps({})),
    })
    assert main(["samples", "--input", str(tmp_path / "c1.npz"), "--out", str(tmp_path / "s" / "c1.npz"),
                 "--settings", '{"size": [12, 12], "lesion_free_fraction": 0.0}']) == 0
    out = read_npz(tmp_path / "s" / "c1.npz")
    assert out["images"].shape == (1, 1, 12, 12) and out["slice_index"].tolist() == [1]
    assert int(out["masks"].sum()) == 16  # 2 x 2 lesion pixels scaled by 2 in each direction
    assert main(["samples", "--input", str(tmp_path / "none.npz"), "--out", str(tmp_path / "x.npz")]) == 2
    assert "none.npz: no such file" in capsys.readouterr().err
