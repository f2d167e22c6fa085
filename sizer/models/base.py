"""Shared pieces of the vocabulary: frozen base, enums, dates, money, slugs, sentences."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, GetPydanticSchema
from pydantic_core import core_schema

from sizer.errors import Message

_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"

PositiveInt = Annotated[int, Field(gt=0)]
PositiveFloat = Annotated[float, Field(gt=0)]


def _keep_message(value: Any, handler: core_schema.ValidatorFunctionWrapHandler) -> Any:
    return value if isinstance(value, Message) else handler(value)


def _text_schema(_source: Any, handler: Any) -> core_schema.CoreSchema:
    return core_schema.no_info_wrap_validator_function(
        _keep_message,
        handler(str),
        serialization=core_schema.plain_serializer_function_ser_schema(str, return_schema=core_schema.str_schema()),
    )


# A sentence a person reads: a plain string (a file's own text), or a Message the CLI words in the
# output language. JSON and its schema see the string, English for a Message (`str(message)`).
Sentence = Annotated[str | Message, GetPydanticSchema(_text_schema)]


class _Frozen(BaseModel):
    # Schemas are built on first use: a command builds those it needs, not all forty (start-up time).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Engine(StrEnum):
    """Inference engines sizer models; each has its module under sizer/engines/."""

    LLAMA_CPP = "llama.cpp"
    OLLAMA = "ollama"  # llama.cpp underneath, with its own knobs, names and memory rules
    VLLM = "vllm"
    SGLANG = "sglang"
    TENSORRT_LLM = "tensorrt-llm"  # trtllm-serve; NVIDIA NIM runs it underneath


class Vendor(StrEnum):
    NVIDIA = "nvidia"
    AMD = "amd"
    INTEL = "intel"
    APPLE = "apple"


class Currency(StrEnum):
    EUR = "EUR"
    USD = "USD"


def _parse_date(value: object) -> object:
    """Accept YYYY, YYYY-MM and YYYY-MM-DD as written in the catalogs; keep them as text."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return value


DateText = Annotated[str, Field(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]


# Dated EUR/USD rate used wherever the two currencies meet: the ECB euro reference rate of
# 1 EUR = 1.1739 USD, as reported on 2026-01-22 by
# https://businessnovinite.bg/bg-biznes/kursat-na-dolara-za-22-januari-2026-g.html . The rate of
# record is data/costs.yaml `exchange_rates`; this mirrors it for code without the cost settings,
# and tests/core/test_cost_data.py keeps the two (and data/gpu_prices.yaml's conversions) equal.
USD_PER_EUR = 1.1739


class Money(_Frozen):
    """An amount of money in EUR or USD."""

    amount: float = Field(ge=0)
    currency: Currency = Currency.EUR

    def to(self, currency: Currency) -> float:
        """The amount in `currency` at the dated EUR/USD rate."""
        if currency is self.currency:
            return self.amount
        return self.amount * USD_PER_EUR if self.currency is Currency.EUR else self.amount / USD_PER_EUR


_SLUG = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """Lowercase text with every run of other characters turned into one '-'."""
    return _SLUG.sub("-", text.lower()).strip("-")
