"""``lesionbench config-schema``: the JSON schema of the configuration, generated from the settings models.

Examples::

    lesionbench config-schema                    # the workflow configuration's schema (YAML)
    lesionbench config-schema --experiment-set   # the schema of resources/experiments/*.yaml
    lesionbench config-schema --markdown         # docs/configuration.md
    lesionbench config-schema --write            # regenerate all three in this checkout

The committed files are checked against the models by ``tests/unit/config/test_schema.py``:
after changing a settings model, run ``--write`` and commit what it wrote.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--experiment-set", action="store_true",
                      help="print the schema of an experiment set file instead")
    what.add_argument("--markdown", action="store_true", help="print the configuration reference (Markdown)")
    what.add_argument("--write", nargs="?", const=".", metavar="ROOT",
                      help="write the schemas and docs/configuration.md under the repository ROOT (default .)")


def run(args: argparse.Namespace) -> int:
    from lesionbench.config import schema

    if args.write is not None:
        root = Path(args.write)
        if not (root / "workflow" / "schemas").is_dir():
            raise FileNotFoundError(f"{root}: not a lesionbench checkout (no workflow/schemas/)")
        for path in schema.write(root):
            print(f"wrote {path}")
    elif args.markdown:
        print(schema.markdown(), end="")
    else:
        built = schema.experiment_set_schema() if args.experiment_set else schema.workflow_schema()
        print(schema.to_yaml(built), end="")
    return 0
