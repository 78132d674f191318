"""``lesionbench check-config``: validate a workflow configuration without running anything.

The workflow runs the same check before any job (``workflow/rules/common.smk``). Example::

    lesionbench check-config my.yaml
    ok: my.yaml: 1 dataset, 3 experiments, 1 comparison

A bad configuration prints the key path of its first problem and exits with status 2::

    lesionbench check-config: error: experiments.unet.train.optimizer.lr: must be > 0 (got -1)
"""

from __future__ import annotations

import argparse
from pathlib import Path

#: The workflow's folder (experiment set files live in ``resources/experiments`` under it).
_CHECKOUT = Path(__file__).resolve().parents[3]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="the configuration file (YAML or JSON)")
    parser.add_argument("--root", default=None,
                        help="the workflow folder holding resources/experiments/ (default: this checkout)")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def run(args: argparse.Namespace) -> int:
    from lesionbench.config.workflow import check_config, config_warnings
    from lesionbench.io.settings import load_settings

    path = Path(args.config)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such configuration file")
    config = load_settings(path)  # YAML or JSON; an error names the file
    resolved = check_config(config, args.root or _CHECKOUT)
    for warning in config_warnings(resolved):
        print(f"warning: {warning}")
    comparisons = sum(len(c) for c in resolved["comparisons"].values())
    print(f"ok: {path}: {_plural(len(resolved['datasets']), 'dataset')}, "
          f"{_plural(len(resolved['experiments']), 'experiment')}, {_plural(comparisons, 'comparison')}")
    return 0
