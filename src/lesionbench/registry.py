"""A small name -> factory registry, used for networks, losses and layer choices.

After segmentation_models_pytorch's ``create_model`` and MONAI's ``LayerFactory``: one explicit
registry per kind, filled by decorators in modules that ``__init__`` imports explicitly (no
package walking). An unknown name is a ``KeyError`` listing the valid names; an unknown option
is a ``ValueError`` listing the options the factory accepts, so a typo in ``config.yaml`` stops
the job with one clear message instead of a ``TypeError`` deep in a constructor.

Written by hand because the libraries' registries do not fit: MONAI's ``LayerFactory`` keys
factories by upper-case name and dimension and does not check options, and a registry of
plain dicts cannot carry the metadata (supported ``spatial_dims``) the workflow needs.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class RegistryEntry(Generic[T]):
    """One registered factory and its metadata."""

    name: str
    factory: Callable[..., T]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def option_names(self) -> list[str] | None:
        """Keyword options the factory accepts, or ``None`` if it takes ``**kwargs``."""
        parameters = inspect.signature(self.factory).parameters.values()
        if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            return None
        return [
            p.name
            for p in parameters
            if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        ]


class Registry(Generic[T]):
    """Factories of one kind (``"network"``, ``"loss"``, ``"activation"``) by name.

    Args:
        kind: what the registry holds; used in error messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, RegistryEntry[T]] = {}

    def register(self, name: str, **metadata: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
        """Decorator registering a class or function under ``name``.

        Args:
            name: the name used in configuration files (lower case, e.g. ``"unet"``).
            **metadata: facts about the factory the caller can query (e.g. ``spatial_dims``).

        Raises:
            ValueError: if ``name`` is already registered to another factory.
        """

        def decorator(factory: Callable[..., T]) -> Callable[..., T]:
            self.add(name, factory, **metadata)
            return factory

        return decorator

    def add(self, name: str, factory: Callable[..., T], **metadata: Any) -> None:
        """Register ``factory`` under ``name`` (the non-decorator form of :meth:`register`)."""
        existing = self._entries.get(name)
        if existing is not None and existing.factory is not factory:
            raise ValueError(f"{self.kind} {name!r} is already registered to {existing.factory!r}")
        self._entries[name] = RegistryEntry(name, factory, dict(metadata))

    def names(self) -> list[str]:
        """Registered names, sorted."""
        return sorted(self._entries)

    def entry(self, name: str) -> RegistryEntry[T]:
        """The entry of ``name``.

        Raises:
            KeyError: unknown name; the message lists the valid names.
        """
        try:
            return self._entries[name]
        except KeyError:
            raise KeyError(
                f"unknown {self.kind} {name!r}; valid names: {', '.join(self.names())}"
            ) from None

    def create(self, name: str, /, *args: Any, **kwargs: Any) -> T:
        """Build ``name`` with the given options.

        Raises:
            KeyError: unknown name (message lists the valid names).
            ValueError: an option the factory does not accept (message lists the valid ones).
        """
        entry = self.entry(name)
        valid = entry.option_names()
        if valid is not None:
            unknown = sorted(set(kwargs) - set(valid))
            if unknown:
                raise ValueError(
                    f"{self.kind} {name!r} got unknown option(s) {unknown}; "
                    f"valid options: {', '.join(valid)}"
                )
        return entry.factory(*args, **kwargs)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)
