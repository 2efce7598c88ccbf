"""Record the CLI's outputs on every shipped config and sample_images/ into a folder.

The golden files under tests/golden/ were written by this script before the
package was restructured; ``tests/test_golden.py`` checks that today's code
writes the same bytes. Run it again only when an output is meant to change:

    python tools/record_golden.py tests/golden
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from augaudit.model.codes import CODES as CODE_TABLE

ROOT = Path(__file__).resolve().parent.parent
LOCK = "build/golden.lock.json"
CODES = tuple(info.code for info in CODE_TABLE)  # every check has an `explain` page
FORMATS = ("json", "text", "markdown", "sarif", "junit", "github")
ENV_DROP = ("GITHUB_ACTIONS", "AUGAUDIT_FORMAT", "FORCE_COLOR", "NO_COLOR")


def configs() -> list[str]:
    return sorted(f"configs/{p.name}" for p in (ROOT / "configs").glob("*.yaml"))


def commands() -> dict[str, list[str]]:
    """File name -> augaudit arguments, run from the repository root."""
    out: dict[str, list[str]] = {}
    for spec in configs():
        stem = Path(spec).stem
        for fmt in FORMATS:
            out[f"{stem}.{fmt}"] = ["run", spec, "sample_images", "--format", fmt, "--jobs", "1"]
        out[f"{stem}.validate.text"] = ["validate", spec]
        out[f"{stem}.validate.json"] = ["validate", spec, "--format", "json"]
    out["rules.text"] = ["rules"]
    for code in CODES:
        out[f"explain.{code}.text"] = ["explain", code]
    pair = ["configs/well_built.yaml", "configs/bad.yaml"]
    out["lock.json"] = ["baseline", *pair, "--images", "sample_images", "-o", LOCK]
    for fmt in ("json", "text", "markdown", "sarif", "junit", "github"):
        out[f"check.{fmt}"] = [
            "check",
            *pair,
            "--images",
            "sample_images",
            "--baseline",
            LOCK,
            "--format",
            fmt,
            "--jobs",
            "1",
        ]
    out["diff.text"] = ["diff", *pair, "sample_images"]
    return out


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_DROP}
    env["COLUMNS"] = "140"
    return env


def run(args: list[str]) -> bytes:
    done = subprocess.run(
        [sys.executable, "-m", "augaudit", *args],
        cwd=ROOT,
        env=environment(),
        capture_output=True,
        check=False,
    )
    return done.stdout + f"\n[exit {done.returncode}]\n".encode()


def main() -> None:
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    (ROOT / "build").mkdir(exist_ok=True)
    for name, args in commands().items():
        output = run(args)
        if name == "lock.json":
            output = (ROOT / LOCK).read_bytes() + output
        (target / name).write_bytes(output)
        print(name, file=sys.stderr)


if __name__ == "__main__":
    main()
