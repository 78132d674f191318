"""``lesionbench augment`` command line."""

from __future__ import annotations

import json

import numpy as np

from lesionbench.cli import main
from lesionbench.preprocess import read_npz, write_npz


def test_cli_builds_a_fold(tmp_path, capsys):
    for case, n in (("a", 2), ("b", 1), ("c", 3)):
        write_npz(tmp_path / f"{case}.npz", {
            "images": np.ones((n, 1, 8, 8), np.float32), "masks": np.ones((n, 1, 8, 8), np.uint8),
            "slice_index": np.arange(n), "has_lesion": np.ones(n, bool)})
    folds = {"folds": [{"fold": 0, "train": ["a", "b"], "val": ["b"], "test": ["c"]}]}
    (tmp_path / "folds.json").write_text(json.dumps(folds))
    samples = [str(tmp_path / f"{case}.npz") for case in "abc"]
    assert main(["augment", "--samples", *samples, "--folds", str(tmp_path / "folds.json"), "--fold", "0",
                 "--out", str(tmp_path / "fold-0.npz"), "--settings", '{"copies": 3, "seed": 1}']) == 0
    out = read_npz(tmp_path / "fold-0.npz")
    assert out["train_images"].shape == (9, 1, 8, 8) and out["val_images"].shape == (1, 1, 8, 8)

    assert main(["augment", "--samples", samples[0], samples[0], "--folds", str(tmp_path / "folds.json"),
                 "--fold", "0", "--out", str(tmp_path / "x.npz")]) == 2
    assert "two samples files for case 'a'" in capsys.readouterr().err
