"""Learning-rate schedules (stepped per iteration) and the optimizer registry."""

from __future__ import annotations

import pytest
import torch

from lesionbench.training import create_optimizer, create_schedule


def _optimizer(lr: float = 0.1, name: str = "adam", **options: object) -> torch.optim.Optimizer:
    return create_optimizer(name, [torch.nn.Parameter(torch.zeros(2))], lr, options)


def _lr_after(schedule: torch.optim.lr_scheduler.LRScheduler, steps: int) -> float:
    for _ in range(steps):
        schedule.optimizer.step()
        schedule.step()
    return schedule.optimizer.param_groups[0]["lr"]


def test_exponential_staircase_after_seven_iterations() -> None:
    schedule = create_schedule("exponential", _optimizer(), {"gamma": 0.8, "every_iterations": 3}, 100)
    assert _lr_after(schedule, 7) == 0.1 * 0.8 ** 2
    assert _lr_after(schedule, 2) == 0.1 * 0.8 ** 3  # iteration 9


def test_exponential_smooth() -> None:
    schedule = create_schedule("exponential", _optimizer(),
                               {"gamma": 0.8, "every_iterations": 3, "staircase": False}, 100)
    assert _lr_after(schedule, 7) == pytest.approx(0.1 * 0.8 ** (7 / 3), rel=1e-14)


def test_epoch_decay_rate_in_epoch_three() -> None:
    # 5 iterations per epoch: epoch 3 runs iterations 10..14 at lr0 * 0.95 ** 2 (paper 001).
    schedule = create_schedule("epoch_decay", _optimizer(), {"gamma": 0.95}, 5)
    assert _lr_after(schedule, 4) == 0.1
    assert _lr_after(schedule, 6) == 0.1 * 0.95 ** 2
    assert _lr_after(schedule, 4) == 0.1 * 0.95 ** 2
    assert _lr_after(schedule, 1) == 0.1 * 0.95 ** 3


def test_constant_and_state_round_trip() -> None:
    schedule = create_schedule("exponential", _optimizer(), {"gamma": 0.5, "every_iterations": 2}, 10)
    _lr_after(schedule, 5)
    fresh = create_schedule("exponential", _optimizer(), {"gamma": 0.5, "every_iterations": 2}, 10)
    fresh.load_state_dict(schedule.state_dict())
    assert _lr_after(fresh, 1) == 0.1 * 0.5 ** 3
    assert _lr_after(create_schedule("constant", _optimizer(), {}, 10), 50) == 0.1


@pytest.mark.parametrize("name, options, message", [
    ("cosine", {}, "unknown schedule 'cosine' \\(valid: constant, epoch_decay, exponential\\)"),
    ("exponential", {"gamma": 0.8}, "missing option 'every_iterations'"),
    ("epoch_decay", {"gamma": 0.9, "step": 3}, "unknown option 'step'"),
])
def test_schedule_errors(name: str, options: dict, message: str) -> None:
    with pytest.raises((KeyError, ValueError), match=message):
        create_schedule(name, _optimizer(), options, 10)


def test_optimizer_registry() -> None:
    sgd = _optimizer(0.01, "sgd", momentum=0.9, nesterov=True)
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.9 and sgd.defaults["nesterov"]
    rms = _optimizer(1e-4, "rmsprop", alpha=0.9)
    assert isinstance(rms, torch.optim.RMSprop) and rms.defaults["alpha"] == 0.9
    assert _optimizer(4e-5, "adam", betas=[0.9, 0.99]).defaults["betas"] == (0.9, 0.99)
    with pytest.raises(KeyError, match="unknown optimizer 'adagrad' \\(valid: adam, adamw, rmsprop, sgd\\)"):
        _optimizer(0.1, "adagrad")
    with pytest.raises(ValueError, match="optimizer 'adam': unknown option 'momentum'"):
        _optimizer(0.1, "adam", momentum=0.9)
