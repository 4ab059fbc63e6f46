"""Reversible monkey-patches of moto: everything the local cloud changes is undone on stop."""

from __future__ import annotations

import threading
from collections.abc import Callable
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


def guarded(
    action: Callable[[Any], Any],
    refusal: Callable[[Any], Exception | None],
    lock: threading.Lock | threading.RLock,
) -> Callable[[Any], Any]:
    """moto's response method `action`, answering `refusal(response)`'s error instead when
    there is one (a quota reached, a resource in use). The check and the action are one step
    under `lock`, so concurrent requests cannot both pass a check only one of them may."""

    def checked(response: Any) -> Any:
        with lock:
            error = refusal(response)
            if error is not None:
                raise error
            return action(response)

    return checked
