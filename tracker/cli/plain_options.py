"""Options left unset, and text given to a text option, skip typer's pydantic validation.

typer (0.2x) validates every non-flag parameter through a pydantic TypeAdapter, built on first
use, and builds one even for an option that was not given; importing pydantic for that costs a
`tracker status` about as much CPU as `import typer` itself (issue 14). Here a parameter
answers None for an unset value and returns a string given to a `str` option unchanged, as the
adapter would; every other value (a path, a number, a choice, a list) goes to typer's own
coercion, built then. With a typer that works otherwise, nothing is changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# typer's private coercion layer (0.2x). Any other typer lacks some of it, and then nothing is
# changed here: the CLI must never fail to start because typer moved its internals.
try:
    from typer._click.core import Context
    from typer._coercion import RuntimeParam, build_runtime_param
    from typer.core import TyperGroup, _TyperParameter
except ImportError:  # pragma: no cover - depends on the installed typer
    RuntimeParam = None  # type: ignore[assignment,misc]

__all__ = ["skip_validation_of_plain_values"]


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _PlainFirst(RuntimeParam):
        """None and text for a text option pass as they are; the rest goes to typer."""

        def coerce(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
            """Coerce `value` for `param`, without pydantic when it is unset or plain text."""
            if value is None or (self.annotation is str and isinstance(value, str)):
                return super().coerce(value, param, ctx)
            return build_runtime_param(param.type_descriptor).coerce(value, param=param, ctx=ctx)

        def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
            return value  # text given to a str option: what the adapter would return


def skip_validation_of_plain_values(command: Any) -> None:
    """Give every single-valued parameter of `command` and its subcommands the plain path."""
    if RuntimeParam is None:  # pragma: no cover - depends on the installed typer
        return
    # Its help option too: made (and kept) by the command on first use, so made here first.
    context = Context(command, **command.context_settings)
    for param in command.get_params(context):
        single = param.nargs == 1 and not param.multiple
        # getattr: internals that changed shape leave the parameter to typer's own path
        unset = getattr(param, "_runtime_param", False) is None
        if isinstance(param, _TyperParameter) and single and unset:
            descriptor = param.type_descriptor
            if getattr(descriptor, "file_annotation", True) is None:
                param._runtime_param = _PlainFirst(descriptor.parameter_info, descriptor.annotation)
    if isinstance(command, TyperGroup):
        for sub in command.commands.values():
            skip_validation_of_plain_values(sub)
