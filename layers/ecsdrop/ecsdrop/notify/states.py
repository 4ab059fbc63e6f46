"""How each deployment state looks, the same in every chat format."""

from __future__ import annotations

from dataclasses import dataclass

from ecsdrop.states import (
    DELETE_FAILED,
    DELETED,
    FAILED,
    PLANNED,
    REJECTED,
    RETAINED,
    ROLLBACK_FAILED,
    ROLLED_BACK,
    ROLLING_OUT,
    RUN_FAILED,
    STARTED,
    SUCCEEDED,
)


@dataclass(frozen=True)
class StateStyle:
    """``tone`` is the semantic colour name of Adaptive Cards (default, good, warning,
    attention, accent); ``colour`` the hex shade used where a platform takes any colour."""

    emoji: str
    headline: str
    colour: str
    tone: str

    @property
    def colour_number(self) -> int:
        """Discord wants the colour as an integer."""
        return int(self.colour.lstrip("#"), 16)


STYLES: dict[str, StateStyle] = {
    STARTED: StateStyle("🚀", "deployment started", "#1E88E5", "accent"),
    ROLLING_OUT: StateStyle("🚦", "rolling out", "#3949AB", "accent"),
    SUCCEEDED: StateStyle("✅", "deployed", "#2E7D32", "good"),
    REJECTED: StateStyle("⛔", "spec rejected", "#F9A825", "warning"),
    FAILED: StateStyle("❌", "deployment failed", "#C62828", "attention"),
    ROLLED_BACK: StateStyle("↩️", "deployment failed, rolled back", "#EF6C00", "warning"),
    ROLLBACK_FAILED: StateStyle(
        "🔥", "rollback failed, resources left behind", "#8E0000", "attention"
    ),
    DELETED: StateStyle("🗑️", "deleted", "#546E7A", "default"),
    RETAINED: StateStyle("📌", "spec deleted, service still running", "#7B1FA2", "warning"),
    DELETE_FAILED: StateStyle(
        "🧨", "deletion failed, resources left behind", "#AD1457", "attention"
    ),
    PLANNED: StateStyle("📝", "plan", "#00838F", "accent"),
    RUN_FAILED: StateStyle("⏰", "scheduled run failed", "#E53935", "attention"),
}

# The states a run announces, in the order the docs and the spec's default list them;
# anything else (a no-op, a state from a newer ecsdrop) is not announced.
ALL_STATES = tuple(STYLES)
ANNOUNCED_STATES = frozenset(STYLES)
FAILURE_STATES = frozenset(
    {REJECTED, FAILED, ROLLED_BACK, ROLLBACK_FAILED, DELETE_FAILED, RUN_FAILED}
)
