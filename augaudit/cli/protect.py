"""What the CLI does around a user's code and files: stdout kept for the report, the working
directory restored, inputs never overwritten by outputs."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from augaudit.cli.common import fail


@contextmanager
def user_code_guard(workdir: Path | None = None) -> Iterator[None]:
    """While specs and stages run (in ``workdir`` if given): what they print goes to stderr,
    and the working directory is restored after them, so reports land where the user asked.

    stdout carries the report (``--format json | jq``). The redirection is at the file
    descriptor, so C extensions and forked worker processes print to stderr too.
    """
    try:
        cwd = os.getcwd()
    except OSError:
        fail("the working directory no longer exists (hint: cd to an existing folder)")
    try:
        if workdir is not None:
            os.chdir(workdir)
        with _stdout_to_stderr():
            yield
    finally:
        with contextlib.suppress(OSError):
            os.chdir(cwd)


@contextmanager
def _stdout_to_stderr() -> Iterator[None]:
    sys.stdout.flush()
    try:
        saved = os.dup(1)
        os.dup2(2, 1)
    except OSError:  # no stdout to protect (closed): nothing to redirect
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def refuse_overwriting_inputs(outputs: dict[str, Path | None], inputs: list[Path]) -> None:
    """Exit 2 before anything runs when an output file is one of the inputs (or another
    output): ``-o pipeline.yaml`` would replace the spec, ``check -o augaudit.lock.json`` the
    baseline it compares with."""
    seen: dict[tuple[int, int], str] = {}
    for path in inputs:
        key = _identity(path)
        if key is not None:
            seen.setdefault(key, f"the input {path}")
    named: dict[str, str] = {}
    for option, output in outputs.items():
        if output is None:
            continue
        where = os.path.abspath(output)
        if where in named:
            fail(f"{option} {output} is also given as {named[where]} (hint: name two files)")
        named[where] = option
        if not output.is_file():
            continue  # devices, FIFOs and new files cannot be an input
        key = _identity(output)
        if key in seen:
            fail(
                f"{option} {output} is {seen[key]}: refusing to overwrite it "
                "(hint: write the report to another file)"
            )
        if key is not None:
            seen[key] = f"also given as {option}"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if path.is_file() else None
