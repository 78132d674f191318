"""``lesionbench postprocess-apply``: apply a chosen post-processing to a folder of predicted masks.

Every ``{case}.nii.gz`` directly in ``--in`` (subfolders are not entered) is read as a binary
mask, post-processed with the decision's chosen step and written to ``--out/{case}.nii.gz``
(uint8 0/1, same grid, written atomically). Nothing else is copied.

Example::

    lesionbench postprocess-apply --decision results/phantom/models/unet/postprocessing.json \\
        --in results/phantom/predictions/unet/fold-0 --out results/phantom/postprocessed/unet/fold-0
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lesionbench.typing import PathLike


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--decision", required=True, metavar="JSON",
                        help="the decision file of `lesionbench postprocess-select`")
    parser.add_argument("--in", dest="in_dir", required=True, metavar="DIR", help="folder of {case}.nii.gz masks")
    parser.add_argument("--out", dest="out_dir", required=True, metavar="DIR", help="folder to write to")


def apply_to_folder(step: Mapping[str, Any], in_dir: PathLike, out_dir: PathLike) -> list[Path]:
    """Post-process every ``{case}.nii.gz`` of ``in_dir`` into ``out_dir``.

    Args:
        step: the post-processing step (``{"name": ..., **options}``).
        in_dir: folder of predicted masks.
        out_dir: destination folder (created; must differ from ``in_dir``).

    A multi-task model's ``classes.tsv`` is copied along: post-processing changes the masks,
    not the class.

    Returns:
        The written paths, in name order.

    Raises:
        FileNotFoundError: if ``in_dir`` is not a folder.
        ValueError: if ``in_dir`` holds no mask, or ``out_dir`` is ``in_dir``.
    """
    from lesionbench.io import read_mask, write_image
    from lesionbench.postprocess import apply_to_image, parse_step, prediction_files

    step = parse_step(step)
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    files = prediction_files(in_dir)
    if not files:
        raise ValueError(f"{in_dir}: no {{case}}.nii.gz mask to post-process")
    if out_dir.resolve() == in_dir.resolve():
        raise ValueError(f"{out_dir}: the output folder must differ from the input folder")
    written = []
    for path in files:
        target = out_dir / path.name
        write_image(apply_to_image(read_mask(path), step), target)
        written.append(target)
    from lesionbench.inference.predict import CLASSES_TSV

    if (in_dir / CLASSES_TSV).is_file():
        shutil.copyfile(in_dir / CLASSES_TSV, out_dir / CLASSES_TSV)
    return written


def run(args: argparse.Namespace) -> int:
    from lesionbench.postprocess import read_decision, step_label

    step = read_decision(args.decision)["chosen"]
    written = apply_to_folder(step, args.in_dir, args.out_dir)
    print(f"{step_label(step)}: {len(written)} mask(s) -> {args.out_dir}")
    return 0
