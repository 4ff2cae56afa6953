"""Where written output goes: a path the user named, standard output, or a confined folder.

Three rules, the same for every command that writes a file:
- a path the user named (`-o PATH`) is written exactly there, relative to the working folder;
  its folder must exist (it is not made), and `-o -` is standard output;
- files written for the user inside a chosen folder (`--out-dir`, the demo's report folder)
  stay inside it: no `..`, no symlink out;
- files are created with the permissions the umask leaves (as a shell's `>` would), not 0600;
  a file that is replaced keeps its permissions.
A file is written through a temporary file beside it and renamed, so no half file is left;
a path that is not a regular file (/dev/null, a named pipe) is written in place.
"""

from __future__ import annotations

import io
import os
import secrets
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tracker.errors import BadInput

__all__ = [
    "STDOUT",
    "Writer",
    "confine",
    "is_stdout",
    "named_path",
    "text_writer",
    "write_file",
    "write_output",
]

STDOUT = Path("-")
Writer = Callable[[IO[bytes]], object]  # what it returns is ignored
_TEMPORARY_ATTEMPTS = 20


def is_stdout(path: Path | None) -> bool:
    """True for `-`, the name of standard output."""
    return path is not None and str(path) == "-"


def text_writer(write: Callable[[IO[str]], object]) -> Writer:
    """A writer of bytes from a writer of UTF-8 text (newlines written as given)."""

    def to_bytes(stream: IO[bytes]) -> None:
        text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
        try:
            write(text)
            text.flush()
        finally:
            text.detach()  # the stream stays open: it may be standard output

    return to_bytes


def named_path(path: Path) -> Path:
    """A path the user named: absolute, not a folder, in a folder that exists."""
    if is_stdout(path):
        raise BadInput("this output cannot go to standard output ('-'); name a file")
    target = path.expanduser().resolve()
    if target.is_dir():
        raise BadInput(f"cannot write {path}: it is a folder")
    if not target.parent.is_dir():
        raise BadInput(f"cannot write {path}: the folder {target.parent} does not exist")
    return target


def confine(path: Path, root: Path) -> Path:
    """`path` (relative to `root` unless absolute) resolved, refused unless inside `root`."""
    base = root.resolve()
    target = (path if path.is_absolute() else base / path).resolve()
    if target == base or not target.is_relative_to(base):
        raise BadInput(f"refusing to write {path}: outside the output folder {base}")
    if target.is_dir():
        raise BadInput(f"refusing to write {path}: it is a folder")
    return target


def write_file(path: Path, write: Writer, *, root: Path | None = None) -> Path:
    """Write a file; with `root`, confined to it (folders made), else exactly at `path`."""
    target = named_path(path) if root is None else confine(path, root)
    try:
        if root is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            target = confine(target, root)  # a folder just made might be a symlink's target
        if target.exists() and not target.is_file():  # a device or a pipe: no rename over it
            with target.open("wb") as stream:
                write(stream)
            return target
        _replace(target, write)
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror or exc}") from None
    return target


def write_output(
    path: Path, write: Writer, *, root: Path | None = None, stdout: IO[bytes] | None = None
) -> Path | None:
    """`write_file`, or standard output (`stdout`, default the process's) for `-`: None."""
    if not is_stdout(path):
        return write_file(path, write, root=root)
    stream = stdout if stdout is not None else sys.stdout.buffer
    write(stream)
    stream.flush()
    return None


def _replace(target: Path, write: Writer) -> None:
    """Write through a temporary file beside `target`, then rename it over `target`."""
    try:
        keep = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        keep = None
    # Not tempfile.mkstemp: it creates files 0600 whatever the umask, and exports are not secret.
    for _ in range(_TEMPORARY_ATTEMPTS):
        temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise BadInput(f"cannot write {target}: no free temporary name beside it")
    try:
        with os.fdopen(handle, "wb") as stream:
            write(stream)
        if keep is not None:
            os.chmod(temporary, keep)  # a file that is replaced keeps its permissions
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
