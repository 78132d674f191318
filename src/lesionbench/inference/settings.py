"""Prediction settings (``experiments.<e>.predict``).

The sample geometry (layout, network input size, fit, 2.5D offsets) is not a prediction
setting: it is stored in the checkpoint, so a model is always applied as it was trained.
"""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StrictBool, StrictInt, field_validator

from lesionbench.config import Number, Settings, SettingsError

__all__ = ["TTA_MODES", "PredictSettings", "SettingsError"]

#: ``predict.tta`` values: none, or mirroring over the axes the layout allows.
TTA_MODES = ("none", "flips")


class PredictSettings(Settings):
    """How cases are predicted: the cross-validation folds' test cases, held-out test sets and new scans.

    Attributes:
        batch_size: slices (or windows) per forward pass.
        threshold: a voxel is foreground where the (ensemble's) probability, resampled onto
            the original grid, is ``>= threshold``.
        folds: the fold models whose probabilities are averaged for held-out test sets and new
            scans: ``all`` or a list of fold indices (a cross-validation case is always
            predicted by the model of the fold that held it out).
        tta: test-time augmentation: ``none``, or ``flips``: the mean probability over every
            combination of mirrorings of the in-plane axes (4 passes for 2D and 2.5D layouts)
            or of the three axes (8 passes for 3D VOIs), as nnU-Net mirrors.
        placement: ``3d_voi`` models only: ``voi`` or ``sliding_window``, overriding the
            dataset's ``samples.placement`` for this experiment (``None``: the dataset's).
        overlap: sliding-window placement: overlap of neighbouring windows, in ``[0, 1)``.
        save_probabilities: also write the foreground probability map (float32 on the
            original grid) of each case, in ``probabilities/{case}.nii.gz`` next to the label
            maps (as nnU-Net's ``--save_probabilities``); evaluation then adds the threshold-free
            metrics.
    """

    WHERE: ClassVar[str] = "predict"

    batch_size: Annotated[StrictInt, Field(ge=1)] = 16
    threshold: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.5
    folds: Literal["all"] | Annotated[tuple[Annotated[StrictInt, Field(ge=0)], ...], Field(min_length=1)] = "all"
    tta: Literal["none", "flips"] = "none"
    save_probabilities: StrictBool = False
    placement: Literal["voi", "sliding_window"] | None = None
    overlap: Annotated[Number, Field(ge=0.0, lt=1.0)] = 0.5

    @field_validator("folds")
    @classmethod
    def _distinct(cls, folds: str | tuple[int, ...]) -> str | tuple[int, ...]:
        if not isinstance(folds, str) and len(set(folds)) != len(folds):
            raise ValueError(f"fold indices repeat: {list(folds)}")
        return folds

    def chosen_folds(self, k: int) -> list[int]:
        """The fold indices of an ensemble of ``k`` folds.

        Raises:
            SettingsError: a chosen fold does not exist.
        """
        if self.folds == "all":
            return list(range(k))
        missing = [fold for fold in self.folds if fold >= k]
        if missing:
            raise SettingsError(f"predict.folds: fold(s) {missing} do not exist (the model has folds 0..{k - 1})")
        return list(self.folds)
