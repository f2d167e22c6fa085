"""How to start what was sized: an engine's command line as argv and environment, not a string."""

from __future__ import annotations

from pydantic import Field, model_validator

from sizer.models.base import _Frozen
from sizer.models.reasons import Reason


class LaunchSpec(_Frozen):
    """The process that serves a pick: `env` set, then `argv` run (render/ or core.launch writes the line).

    When no command can start what was sized (no repository holds the weights in the sized
    format, or the format needs hardware the GPU lacks), `argv` is empty and `no_command_code`
    says why: sizer never prints a command that would load other weights than it sized.
    """

    argv: tuple[str, ...] = ()
    env: dict[str, str] = Field(default_factory=dict)
    no_command_code: Reason | None = None

    @model_validator(mode="after")
    def _argv_or_reason(self) -> LaunchSpec:
        if not self.argv and self.no_command_code is None:
            raise ValueError("a launch spec needs argv, or a reason (no_command_code) why there is none")
        if self.argv and self.no_command_code is not None:
            raise ValueError("a launch spec has argv or a reason why there is none, not both")
        return self

    @classmethod
    def none(cls, reason: Reason) -> LaunchSpec:
        """No command: the reason why."""
        return cls(no_command_code=reason)
