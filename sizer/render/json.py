"""JSON: result models as indented JSON (bytes stay integers); the probe document."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from sizer.models import Host


def to_json(obj: BaseModel | Sequence[BaseModel] | dict[str, Any]) -> str:
    """Indented JSON of a result model (bytes stay integers)."""
    if isinstance(obj, BaseModel):
        data: Any = obj.model_dump(mode="json")
    elif isinstance(obj, dict):
        data = {k: v.model_dump(mode="json") if isinstance(v, BaseModel) else v for k, v in obj.items()}
    else:
        data = [o.model_dump(mode="json") for o in obj]
    return json.dumps(data, indent=2)


def host_json(host: Host) -> str:
    """The versioned probe document (schema sizer.probe/1), as `--hardware FILE` reads it back."""
    return json.dumps(host.model_dump(mode="json", by_alias=True), indent=2)
