"""Links between nodes: InfiniBand and Ethernet, one link's bandwidth and latency (data/interconnects.yaml)."""

from __future__ import annotations

from pydantic import Field, model_validator

from sizer.models.base import _ID_PATTERN, DateText, PositiveFloat, _Frozen


class Interconnect(_Frozen):
    """One network link between nodes, as its datasheet gives it: one direction's bandwidth in
    decimal GB/s (a 400 Gb/s port is 50 GB/s) and the one-way latency of a small message."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    gb_per_s: PositiveFloat
    latency_us: PositiveFloat
    source: str = Field(min_length=1)
    date: DateText
    notes: str | None = None


class Interconnects(_Frozen):
    """The shipped links and the one a multi-node rig has when none is named."""

    default: str
    links: tuple[Interconnect, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _default_is_listed(self) -> Interconnects:
        ids = [link.id for link in self.links]
        if len(set(ids)) != len(ids):
            raise ValueError("interconnect ids must be unique")
        if self.default not in ids:
            raise ValueError(f"default {self.default!r} is not one of the links ({', '.join(ids)})")
        return self

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(link.id for link in self.links)

    def get(self, name: str) -> Interconnect | None:
        """The link of that id (case-insensitive), None if there is none."""
        key = name.strip().lower()
        return next((link for link in self.links if link.id == key), None)
