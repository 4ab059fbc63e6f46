"""Reversible monkey-patches of moto: everything the local cloud changes is undone on stop."""

from __future__ import annotations

from typing import Any

_ABSENT = object()


class Patcher:
    def __init__(self) -> None:
        self._undo: list[tuple[Any, str, Any]] = []

    def replace(self, owner: Any, name: str, value: Any) -> Any:
        """Set `owner.name = value`; return what `owner.name` was (None if it had none)."""
        original = getattr(owner, name, None)
        own = vars(owner).get(name, _ABSENT) if hasattr(owner, "__dict__") else original
        self._undo.append((owner, name, own))
        setattr(owner, name, value)
        return original

    def restore(self) -> None:
        while self._undo:
            owner, name, own = self._undo.pop()
            if own is _ABSENT:
                delattr(owner, name)
            else:
                setattr(owner, name, own)
