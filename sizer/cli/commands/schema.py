"""sizer schema: the JSON Schema of the procurement spec format."""

from __future__ import annotations

from typing import Annotated

from sizer.cli import options as o
from sizer.cli.output import choose_format, emit, handle_errors


@handle_errors
def schema(
    output_format: Annotated[str | None, o.format_option("json")] = None,
    json_out: o.JsonOpt = False,
    lang: o.LangOpt = None,
) -> None:
    """Print the JSON Schema of the spec format, for editors that complete YAML.

    \b
    Examples:
      sizer schema > sizer-spec.schema.json
      # in spec.yaml, for the YAML language server:
      # yaml-language-server: $schema=./sizer-spec.schema.json
    """
    import json

    from sizer.core.spec import spec_json_schema

    choose_format(output_format, json_out, ("json",))
    emit(json.dumps(spec_json_schema(), indent=2))
