"""Typed configuration: the settings base class, its error messages and the generated schema."""

from lesionbench.config.base import (
    KeyProblem,
    Number,
    Settings,
    SettingsError,
    choice,
    describe_error,
    key_path,
)

__all__ = ["KeyProblem", "Number", "Settings", "SettingsError", "choice", "describe_error", "key_path"]
