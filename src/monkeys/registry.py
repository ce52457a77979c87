"""Typed registries (task kinds, figure kinds): a name maps to one entry, registered where the
entry is defined; asking for an unknown name says which names exist."""

from __future__ import annotations

from typing import Generic, TypeVar

from monkeys.errors import PlanError

T = TypeVar("T")


class Registry(dict, Generic[T]):
    def __init__(self, what: str):
        super().__init__()
        self.what = what

    def __missing__(self, name: str) -> T:
        raise PlanError(f"unknown {self.what} {name!r}; known: {sorted(self)}")

    def add(self, name: str, entry: T) -> T:
        if name in self:
            raise ValueError(f"{self.what} {name!r} registered twice")
        self[name] = entry
        return entry
