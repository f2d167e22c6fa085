"""How to start what was sized: an engine's command line as argv and environment, not a string."""

from __future__ import annotations

from pydantic import Field

from sizer.models.base import _Frozen


class LaunchSpec(_Frozen):
    """The process that serves a pick: `env` set, then `argv` run (render/ or core.launch writes the line)."""

    argv: tuple[str, ...] = Field(min_length=1)
    env: dict[str, str] = Field(default_factory=dict)
