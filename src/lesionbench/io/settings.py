"""Settings given on the command line: inline JSON (what the workflow passes) or a JSON file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_settings(source: str | Path) -> dict[str, Any]:
    """Read a settings object from inline JSON text or a JSON file path.

    Inline JSON lets a Snakemake rule pass one config section as a param, so that only a
    change of that section reruns the rule.

    Raises:
        FileNotFoundError: if ``source`` is neither inline JSON nor an existing file.
        ValueError: if the JSON cannot be parsed or is not an object.
    """
    text = str(source)
    if text.lstrip().startswith("{"):
        origin = "inline settings"
    else:
        path = Path(text)
        if not path.is_file():
            raise FileNotFoundError(f"{path}: settings file not found (give a JSON file or inline JSON)")
        origin = str(path)
        text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{origin}: not valid JSON ({error})") from error
    if not isinstance(data, dict):
        raise ValueError(f"{origin}: settings must be a JSON object, got {type(data).__name__}")
    return data
