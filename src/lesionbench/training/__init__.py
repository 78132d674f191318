"""Training: one experiment on one fold, with validation, best checkpoint and resume."""

from lesionbench.training.checkpoint import CheckpointError, load_checkpoint
from lesionbench.training.data import EpochBatches, FoldSamples, SampleDataset, TrainingDataError, make_loader
from lesionbench.training.history import HISTORY_COLUMNS, read_history, write_history
from lesionbench.training.loop import TrainingDivergedError, global_dice
from lesionbench.training.optimizers import OPTIMIZERS, create_optimizer
from lesionbench.training.schedules import SCHEDULES, create_schedule
from lesionbench.training.settings import (
    ComponentSettings, ExperimentSettings, OptimizerSettings, ScheduleSettings, TrainSettings,
)
from lesionbench.training.trainer import train_fold

__all__ = [
    "HISTORY_COLUMNS", "OPTIMIZERS", "SCHEDULES", "CheckpointError", "ComponentSettings", "EpochBatches",
    "ExperimentSettings", "FoldSamples", "OptimizerSettings", "SampleDataset", "ScheduleSettings", "TrainSettings",
    "TrainingDataError", "TrainingDivergedError", "create_optimizer", "create_schedule",
    "global_dice", "load_checkpoint", "make_loader", "read_history", "train_fold", "write_history",
]
