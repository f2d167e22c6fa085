"""The exception tree. Every error sizer raises on purpose carries the exit code the CLI uses."""


class SizerError(Exception):
    """Base class; the CLI prints `error: <message>` and exits with `exit_code`."""

    exit_code = 3


class InputError(SizerError):
    """Bad input from the user: a flag value, a file, a spec. Exit code 2."""

    exit_code = 2


class CatalogError(InputError):
    """A catalog file that does not validate; the message names file, entry and field."""


class UnknownNameError(InputError):
    """A model, GPU or quantization name that resolves to nothing (message carries did-you-mean)."""

    def __init__(self, kind: str, name: str, suggestions: list[str]) -> None:
        from sizer.bounds import echo  # bounds imports this module

        self.kind = kind
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown {kind} {echo(repr(name))}{hint}")


class HubError(InputError):
    """A Hugging Face Hub look-up that failed (offline and not cached, gated, missing)."""
