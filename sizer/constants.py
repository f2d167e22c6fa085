"""Names fixed across the project: environment variables, schema ids and the one list of use cases.

Layer 0: standard library only.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

# Environment variables sizer reads (in cli/ and io/ only; the core reads none).
DEBUG_ENV: Final = "SIZER_DEBUG"  # "1": show the traceback of an internal error
CONFIG_DIR_ENV: Final = "SIZER_CONFIG_DIR"  # where the user catalog lives (default: the platform's config dir)
CACHE_DIR_ENV: Final = "SIZER_CACHE_DIR"  # where validated catalogs are cached (default: the platform's cache dir)

# Schema ids of the documents sizer writes and reads.
PROBE_SCHEMA_ID: Final = "sizer.probe/1"

# The use cases sizer knows; every list of them in code, CLI help and docs derives from this one.
UseCase = Literal["chat", "code", "reasoning", "summarization", "multilingual", "vision", "rag"]
USE_CASES: Final[tuple[str, ...]] = get_args(UseCase)
