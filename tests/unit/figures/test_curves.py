"""Learning curves: the thick lines are the mean over folds."""

from __future__ import annotations

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest

from lesionbench.figures import (
    FigureSettings,
    HistoryFileError,
    learning_curves,
    plot_learning_curves,
    read_history,
)


def test_mean_lines_average_the_folds_present_at_each_epoch(histories):
    drawn = plot_learning_curves(histories, FigureSettings())
    folds = [pd.read_csv(p, sep="\t") for p in histories["fcn8s"]]
    line = drawn.artists[("val_dice", "fcn8s")]
    np.testing.assert_allclose(line.get_xdata(), [1, 2, 3, 4, 5])
    expected = [(folds[0]["val_dice"][e] + folds[1]["val_dice"][e]) / 2 for e in range(4)] + [folds[0]["val_dice"][4]]
    np.testing.assert_allclose(line.get_ydata(), expected)
    loss = drawn.artists[("train_loss", "ours")]
    assert loss.get_ydata()[0] == pytest.approx((1.0 + 1.05) / 2)
    assert line.get_color() == "#56B4E9"  # fcn8s is the second model


def test_learning_curves_files(histories, tmp_path):
    png, pdf = learning_curves(histories, tmp_path / "learning_curves", FigureSettings(dpi=40))
    assert mpimg.imread(png).shape[:2] == (160, 400)  # 10 x 4 inches at 40 dpi
    assert pdf.read_bytes()[:4] == b"%PDF"


def test_read_history_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="history.tsv: training history not found"):
        read_history(tmp_path / "history.tsv")
    path = tmp_path / "h.tsv"
    pd.DataFrame({"epoch": [1], "train_loss": [0.5]}).to_csv(path, sep="\t", index=False)
    with pytest.raises(HistoryFileError, match=r"h.tsv: missing column\(s\) \['val_dice'\]"):
        read_history(path)
    with pytest.raises(ValueError, match="no history.tsv files given"):
        plot_learning_curves({"ours": []}, FigureSettings())
