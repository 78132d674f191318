"""ExperimentSettings: parsing, defaults, unknown keys, the resume hash."""

from __future__ import annotations

import pytest

from lesionbench.inference import PredictSettings, SettingsError
from lesionbench.training import ExperimentSettings

PAPER_000 = {
    "network": {"name": "unet", "activation": "mish"},
    "loss": {"name": "dice"},
    "train": {"epochs": 240, "batch_size": 3, "optimizer": {"name": "adam", "lr": 4e-5},
              "schedule": {"name": "exponential", "gamma": 0.8, "every_iterations": 8595, "staircase": True}},
    "predict": {"threshold": 0.4},
}


def test_paper_000_round_trip() -> None:
    settings = ExperimentSettings.from_dict(PAPER_000)
    assert settings.network.name == "unet" and settings.network.kwargs == {"activation": "mish"}
    assert settings.train.optimizer.lr == 4e-5 and settings.train.batch_size == 3
    assert settings.train.schedule.options == {"gamma": 0.8, "every_iterations": 8595, "staircase": True}
    assert settings.train.amp == "auto" and settings.train.threads is None and settings.train.val_every == 1
    assert settings.predict == PredictSettings(batch_size=16, threshold=0.4)
    assert settings.augment.mode == "none" and settings.foreground_fraction is None and settings.train.workers == "auto"
    assert ExperimentSettings.from_dict(settings.to_dict()) == settings


def test_defaults_when_sections_are_short() -> None:
    settings = ExperimentSettings.from_json('{"network": {"name": "fcn8s"}, "loss": {"name": "bce"}, "train": {"epochs": 2}}')
    assert settings.train.optimizer.name == "adam" and settings.train.schedule.name == "constant"
    assert settings.predict.threshold == 0.5 and settings.train.max_train_batches_per_epoch is None


@pytest.mark.parametrize("change, message", [
    ({"dataset": "phantom"}, "^dataset: unknown setting \\(valid: augment, classification, foreground_fraction, loss, network, predict, train\\)"),
    ({"train": {"epochs": 2, "lrr": 1}}, "train.lrr: unknown setting"),
    ({"train": {"epochs": 2, "optimizer": {"name": "adam", "lrr": 1}}}, "train.optimizer.lrr: unknown setting"),
    ({"train": {"epochs": 2, "optimizer": {"name": "sgd", "betas": [0.9, 0.9]}}}, "train.optimizer.betas: not an option of 'sgd'"),
    ({"train": {"epochs": 2, "schedule": {"name": "exponential", "gamma": 0.8}}},
     "train.schedule.every_iterations: required by 'exponential'"),
    ({"train": {"epochs": 2, "schedule": {"name": "step"}}}, "train.schedule.name: unknown schedule 'step'"),
    ({"train": {"epochs": 0}}, "train.epochs: must be >= 1 \\(got 0\\)"),
    ({"train": {"epochs": 2.5}}, "train.epochs: input should be a valid integer"),
    ({"train": {"batch_size": 2}}, "train.epochs: required setting is missing"),
    ({"train": {"epochs": 2, "amp": "yes"}}, "train.amp: unknown amp mode 'yes' \\(valid: true, false, auto, float16, bfloat16\\)"),
    ({"train": {"epochs": 2, "optimizer": {"lr": 0}}}, "train.optimizer.lr: must be > 0"),
    ({"predict": {"size": [416]}}, "predict.size: unknown setting"),
    ({"augment": {"mode": "sometimes"}}, "augment.mode: 'sometimes' is not one of 'online', 'offline' or 'none'"),
    ({"augment": {"online": {"flip": {"prob": 2}}}}, "augment.online.flip.prob: must be <= 1 \\(got 2\\)"),
    ({"augment": {"online": {"blur": {}}}}, "augment.online.blur: unknown setting \\(valid: affine, contrast"),
    ({"augment": {"offline": {"set": "cube"}}}, "augment.offline.set: unknown offline set 'cube'"),
    ({"foreground_fraction": 1.5}, "foreground_fraction: must be <= 1"),
    ({"train": {"epochs": 2, "workers": -1}}, "train.workers: expected an integer >= 0 or 'auto', got -1"),
    ({"train": {"epochs": 2, "workers": "many"}}, "train.workers: expected an integer >= 0 or 'auto'"),
    ({"predict": {"threshold": 1.5}}, "predict.threshold: must be <= 1"),
    ({"loss": {"weight": 2}}, "loss.name: required"),
])
def test_bad_settings_name_the_key(change: dict, message: str) -> None:
    data = {**PAPER_000, **change}
    with pytest.raises(SettingsError, match=message):
        ExperimentSettings.from_dict(data)


def test_bad_json() -> None:
    with pytest.raises(SettingsError, match="settings: not valid JSON"):
        ExperimentSettings.from_json("{network: unet}")


def test_training_hash_ignores_epochs_threads_workers_predict_and_unused_augmentation() -> None:
    base = ExperimentSettings.from_dict({**PAPER_000, "augment": {"mode": "offline"}})
    same = ExperimentSettings.from_dict({**PAPER_000, "train": {**PAPER_000["train"], "epochs": 300, "threads": 4,
                                                                "workers": 0},
                                         "predict": {"batch_size": 2},
                                         "augment": {"mode": "offline", "online": {"gamma": {"prob": 0.9}}}})
    online = ExperimentSettings.from_dict({**PAPER_000, "augment": {"mode": "online"}})
    assert base.training_hash() != online.training_hash()
    other_lr = ExperimentSettings.from_dict({**PAPER_000, "train": {**PAPER_000["train"],
                                                                     "optimizer": {"name": "adam", "lr": 1e-4}}})
    other_net = ExperimentSettings.from_dict({**PAPER_000, "network": {"name": "unet", "activation": "relu"}})
    assert base.training_hash() == same.training_hash()
    assert len({base.training_hash(), other_lr.training_hash(), other_net.training_hash()}) == 3
