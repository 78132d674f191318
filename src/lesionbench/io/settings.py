"""Settings given on the command line: inline JSON (what the workflow passes), or a JSON or YAML file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

#: File suffixes read as YAML; anything else is read as JSON.
YAML_SUFFIXES = (".yaml", ".yml")


def load_settings(source: str | Path) -> dict[str, Any]:
    """Read a settings object from inline JSON text, or a JSON or YAML (``.yaml``/``.yml``) file.

    Inline JSON lets a Snakemake rule pass one config section as a param, so that only a
    change of that section reruns the rule; a file is what a user writes by hand.

    Raises:
        FileNotFoundError: if ``source`` is neither inline JSON nor an existing file.
        ValueError: naming the origin, if the text cannot be parsed or is not an object.
    """
    text = str(source)
    if text.lstrip().startswith("{"):
        origin, as_yaml = "inline settings", False
    else:
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: settings file not found (give a JSON or YAML file, or inline JSON)")
        origin, as_yaml = str(path), path.suffix.lower() in YAML_SUFFIXES
        text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text) if as_yaml else json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise ValueError(f"{origin}: not valid {'YAML' if as_yaml else 'JSON'} ({error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: settings must be a mapping, got {type(data).__name__}")
    return data
