"""Prediction settings (``experiments.<e>.predict``).

The sample geometry (layout, network input size, fit, 2.5D offsets) is not a prediction
setting: it is stored in the checkpoint, so a model is always applied as it was trained.
"""

from __future__ import annotations

from typing import Annotated, ClassVar

from pydantic import Field, StrictInt

from lesionbench.config import Number, Settings, SettingsError

__all__ = ["PredictSettings", "SettingsError"]


class PredictSettings(Settings):
    """How the held-out cases of a fold are predicted.

    Attributes:
        batch_size: slices per forward pass.
        threshold: a voxel is foreground where the resampled probability is ``>= threshold``.
    """

    WHERE: ClassVar[str] = "predict"

    batch_size: Annotated[StrictInt, Field(ge=1)] = 16
    threshold: Annotated[Number, Field(ge=0.0, le=1.0)] = 0.5
