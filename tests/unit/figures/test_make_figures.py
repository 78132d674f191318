"""The figures stage: discovery of folders, all figures, and the command line."""

from __future__ import annotations

import matplotlib.image as mpimg
import pytest

from lesionbench.cli import main
from lesionbench.figures import (
    caption_for,
    find_histories,
    find_predictions,
    make_figures,
)

EXPECTED = ["boxplot_dice.png", "boxplot_dice.pdf", "metric_strip.png", "metric_strip.pdf",
            "mean_bars_dice.png", "mean_bars_dice.pdf", "volume_scatter.png", "volume_scatter.pdf",
            "bland_altman.png", "bland_altman.pdf", "ranking_blobs_dice.png", "ranking_blobs_dice.pdf",
            "significance_map_dice.png", "significance_map_dice.pdf",
            "learning_curves.png", "learning_curves.pdf", "overlays.png", "overlays.pdf",
            "overlays_per_model.png", "overlays_per_model.pdf"]


def test_find_histories_and_predictions(histories, volumes):
    root = volumes["root"]
    found = find_histories([root / "models" / "unet", root / "models" / "ours"])
    assert list(found) == ["unet", "ours"]
    assert [p.parent.name for p in found["unet"]] == ["fold-0", "fold-1"]
    preds = find_predictions([root / "predictions" / "fcn8s"])
    assert sorted(preds["fcn8s"]) == [f"ph{i:03d}" for i in range(6)]
    assert preds["fcn8s"]["ph004"].parent.name == "fold-1"
    with pytest.raises(FileNotFoundError, match="nope: model folder not found"):
        find_histories([root / "nope"])
    with pytest.raises(FileNotFoundError, match="images: no fold-\\*/history.tsv inside"):
        find_histories([root / "images"])
    dup = root / "predictions" / "fcn8s" / "fold-2" / "ph000.nii.gz"
    dup.write_bytes((root / "predictions" / "fcn8s" / "fold-0" / "ph000.nii.gz").read_bytes())
    with pytest.raises(ValueError, match="case 'ph000' is also predicted in"):
        find_predictions([root / "predictions" / "fcn8s"])


def test_make_figures_writes_every_figure(frames, histories, volumes, tmp_path):
    out = tmp_path / "figures"
    written = make_figures(frames, out, {"reference": "ours", "metrics": ["dice"], "dpi": 30, "alpha": 0.05},
                           histories=histories, images_dir=volumes["images"], masks_dir=volumes["masks"],
                           predictions=volumes["predictions"])
    assert [p.name for p in written] == EXPECTED
    assert all(p.is_file() for p in written)
    assert mpimg.imread(out / "overlays.png").shape[:2] == (108, 270)  # 3 cases, 3 in each at 30 dpi
    # 3 models x 3 cases of 2.4 in plus a 0.5 in legend band at 30 dpi.
    # (matplotlib before 3.11.1 floors fractional pixel sizes: one pixel less)
    height, width = mpimg.imread(out / "overlays_per_model.png").shape[:2]
    assert abs(height - 231) <= 1 and abs(width - 216) <= 1
    assert all(caption_for(p.name[: -len(p.suffix)]) for p in written)


def test_cli_figures(frames, histories, volumes, tmp_path, capsys):
    root = volumes["root"]
    tsvs = []
    for name, frame in frames.items():
        path = root / "metrics" / f"{name}.tsv"
        path.parent.mkdir(exist_ok=True)
        frame.to_csv(path, sep="\t", index=False)
        tsvs.append(str(path))
    out = tmp_path / "cli"
    code = main(["figures", "--metrics", *tsvs,
                 "--histories", *(str(root / "models" / m) for m in frames),
                 "--images", str(volumes["images"]), "--masks", str(volumes["masks"]),
                 "--predictions", *(str(root / "predictions" / m) for m in frames),
                 "--out-dir", str(out), "--settings", '{"reference": "unet", "metrics": ["dice"], "dpi": 20}'])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPECTED)
    code = main(["figures", "--metrics", *tsvs, "--predictions", str(root / "predictions" / "ours"),
                 "--out-dir", str(tmp_path / "bad")])
    assert code == 2 and "--predictions needs --images and --masks" in capsys.readouterr().err
    complexity = root / "complexity.tsv"
    complexity.write_text("experiment\tparameters\tflops\nours\t1000\t2e6\nunet\t5000\tNA\n")
    code = main(["figures", "--metrics", *tsvs, "--complexity", str(complexity), "--out-dir", str(tmp_path / "cx"),
                 "--settings", '{"metrics": ["dice"], "dpi": 20, "ranking_resamples": 20}'])
    assert code == 0 and (tmp_path / "cx" / "complexity.pdf").is_file()
    code = main(["figures", "--metrics", *tsvs, "--complexity", str(root / "none.tsv"), "--out-dir",
                 str(tmp_path / "cx2"), "--settings", '{"metrics": ["dice"]}'])
    assert code == 2 and "none.tsv: complexity table not found" in capsys.readouterr().err
    assert not (tmp_path / "cx2").exists()  # checked before anything is drawn
