"""What a person asks `recommend` for: use case, load, speed, budget, engine, licence."""

from __future__ import annotations

from pydantic import Field

from sizer.constants import UseCase
from sizer.models.base import Engine, Money, _Frozen
from sizer.models.workload import KvCacheType, Workload


class Needs(_Frozen):
    """What the person asked for."""

    use_case: UseCase = "chat"
    context: int = Field(default=8192, ge=1)
    users: int = Field(default=1, ge=1)
    min_tokens_per_s: float = Field(default=10, ge=0)
    budget: Money | None = None
    engine: Engine = Engine.LLAMA_CPP
    quant: str = "Q4_K_M"
    choose_quant: bool = False  # True: recommend picks the format among the engine's (quant is the fallback)
    kv_cache_type: KvCacheType = "f16"
    commercial_only: bool = True  # companies by default; False admits non-commercial licences
    max_power_w: float | None = Field(default=None, gt=0)
    min_quality: float | None = None
    top: int = Field(default=5, ge=1)
    model: str | None = None  # recommend --model: the hardware for this catalog model
    # --headcount: people, their requests per busy hour and the request's size; `users` is then
    # the concurrency sized for (core/capacity.py: users_for_headcount).
    headcount: int | None = Field(default=None, ge=1)
    requests_per_hour: float | None = Field(default=None, gt=0)
    prompt_tokens: int = Field(default=512, ge=1)  # a chat turn's new tokens (core/serving.py: TURN_*)
    output_tokens: int = Field(default=256, ge=1)
    max_ttft_s: float | None = Field(default=None, gt=0)  # SLO: p95 seconds to the first token

    @property
    def images(self) -> bool:
        """Whether the requests carry images: the vision use case (Workload.images)."""
        return self.use_case == "vision"

    def workload(self, users: int, quant: str | None = None) -> Workload:
        """What the engine serves for `users` concurrent users: the asked context, engine and KV
        cache, the weight format `quant` (default: the asked one), images for the vision use case."""
        return Workload(
            quant=self.quant if quant is None else quant,
            context=self.context,
            batch=users,
            engine=self.engine,
            kv_cache_type=self.kv_cache_type,
            images=self.images,
        )
