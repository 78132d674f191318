"""The ``lesionbench`` command line: one subcommand per pipeline stage.

Each subcommand lives in its own module under :mod:`lesionbench.cli` and exposes
``add_arguments(parser)`` and ``run(args) -> int``. Modules are imported only when their
command runs, so ``lesionbench phantom`` never pays for importing torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import traceback

from lesionbench import __version__

#: command name -> (module, one-line help). The registry of subcommands.
COMMANDS: dict[str, tuple[str, str]] = {
    "phantom": ("lesionbench.cli.phantom", "generate a head-CT phantom dataset as DICOM series"),
    "phantom-mr": ("lesionbench.cli.phantom_mr", "generate a skull-stripped T1 MRI stroke phantom as NIfTI"),
    "dicom2nifti": ("lesionbench.cli.dicom2nifti", "convert one DICOM series to NIfTI in HU"),
    "ingest": ("lesionbench.cli.ingest", "ingest one case of a dataset (image, mask, metadata)"),
    "brain-mask": ("lesionbench.cli.brain_mask", "compute a brain mask from a head CT"),
    "preprocess": ("lesionbench.cli.preprocess", "resample, window and crop one case"),
    "folds": ("lesionbench.cli.folds", "split cases into patient-level stratified folds"),
    "samples": ("lesionbench.cli.samples", "extract training samples (2D slices, 2.5D stacks) from one case"),
    "preprocess-qc": ("lesionbench.cli.preprocess_qc", "tabulate the lesion kept and lost by preprocessing"),
    "train": ("lesionbench.cli.train", "train one experiment on one fold"),
    "predict": ("lesionbench.cli.predict", "predict the held-out cases of one fold"),
    "evaluate": ("lesionbench.cli.evaluate", "per-case metrics of one experiment"),
    "compare": ("lesionbench.cli.compare", "paired statistics and comparison tables"),
    "figures": ("lesionbench.cli.figures", "box plots, learning curves, overlays, volume plots"),
    "complexity": ("lesionbench.cli.complexity", "parameters, FLOPs and CPU latency of networks"),
    "dataset": ("lesionbench.cli.dataset", "list and ingest the cases of a dataset recipe"),
    "postprocess-select": ("lesionbench.cli.postprocess_select",
                           "choose the post-processing of an experiment from its cross-validation predictions"),
    "postprocess-apply": ("lesionbench.cli.postprocess_apply", "apply a chosen post-processing to predicted masks"),
    "segment": ("lesionbench.cli.segment", "segment new scans with a trained model bundle"),
    "segment-volumes": ("lesionbench.cli.segment_volumes", "gather per-case volumes.tsv tables into one"),
    "bundle-model": ("lesionbench.cli.bundle_model", "write an experiment's model.json (its model bundle)"),
    "export-model": ("lesionbench.cli.export_model", "pack an experiment's model bundle into one zip"),
    "check-config": ("lesionbench.cli.check_config", "validate a workflow configuration before running it"),
    "config-schema": ("lesionbench.cli.config_schema", "print or write the configuration's JSON schema and reference"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lesionbench", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"lesionbench {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    parser.add_argument("--debug", action="store_true",
                        help="show the traceback behind an error (also LESIONBENCH_DEBUG=1)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (_, help_text) in COMMANDS.items():
        subparsers.add_parser(name, help=help_text, description=help_text)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``lesionbench`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # The command's module declares its own arguments, so find the command first (without
    # letting --help end the program before those arguments exist).
    command = next((token for token in argv if token in COMMANDS), None)
    if command is None:
        args = parser.parse_args(argv)  # prints usage or --help/--version and exits
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    subparser = parser._subparsers._group_actions[0].choices[command]
    module.add_arguments(subparser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        return int(module.run(args) or 0)
    except (ValueError, FileNotFoundError, KeyError) as error:
        # One clear message naming the file and the problem; the traceback only when asked.
        if args.debug or os.environ.get("LESIONBENCH_DEBUG", "") not in ("", "0"):
            traceback.print_exc()
        message = error.args[0] if isinstance(error, KeyError) and error.args else error
        print(f"lesionbench {command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
