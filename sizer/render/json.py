"""JSON: result models as indented JSON (bytes stay integers); the probe document.

Results carry codes, not sentences. Wherever a result has a field `X_code` (a code object such as
`{"code": "offload", "offloaded_layers": 6, "total_layers": 32}`, or a list of them), the JSON
also has `X`, just before it: the English sentence (or list of sentences) render/messages.py
makes of it. So `limited_by_code` comes with `limited_by`, `reason_code` with `reason`,
`message_code` with `message`, `summary_code` with `summary`, `would_pass_code` with
`would_pass` and `warnings_code` with `warnings`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from sizer.models import REASON_CODES, Host, Reason
from sizer.render.i18n import english
from sizer.render.messages import message

_SUFFIX = "_code"


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> str:
    """Indented JSON of a result model (bytes stay integers), with the sentence of every code."""
    if isinstance(obj, BaseModel):
        data: Any = obj.model_dump(mode="json")
    elif isinstance(obj, dict):
        data = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in obj.items()}
    else:
        data = [o.model_dump(mode="json") for o in obj]
    with english():  # JSON is locale-free: its sentences are the English ones whatever --lang says
        return json.dumps(with_messages(data), indent=2)


def with_messages(data: Any) -> Any:
    """Dumped JSON data with `X` (the sentence) added before every `X_code` (the code object or list)."""
    if isinstance(data, list):
        return [with_messages(item) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key.endswith(_SUFFIX) and _is_code(value):
            out[key.removesuffix(_SUFFIX)] = _sentence(value)
        elif key.endswith(_SUFFIX) and isinstance(value, list) and all(_is_code(v) for v in value):
            out[key.removesuffix(_SUFFIX)] = [_sentence(v) for v in value]
        out[key] = with_messages(value)
    return out


def _is_code(value: Any) -> bool:
    return isinstance(value, dict) and value.get("code") in REASON_CODES


def _sentence(value: dict[str, Any]) -> str:
    return message(Reason.model_validate(value))


def host_json(host: Host) -> str:
    """The versioned probe document (schema sizer.probe/1), as `--hardware FILE` reads it back."""
    return json.dumps(host.model_dump(mode="json", by_alias=True), indent=2)
