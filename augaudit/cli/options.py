"""Options shared by the commands, declared once."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

Samples = Annotated[int | None, typer.Option(help="Random draws per image [default: 4].")]
Seed = Annotated[int | None, typer.Option(help="Seed all stage seeds derive from [default: 0].")]
Input = Annotated[
    str | None, typer.Option("--input", help="What the pipeline receives: pil | uint8 | float.")
]
Mode = Annotated[str | None, typer.Option(help="rgb (convert every image) | keep [default: rgb].")]
Format = Annotated[
    str,
    typer.Option(
        "--format",
        envvar="AUGAUDIT_FORMAT",
        help="text | json | markdown | github | sarif | junit.",
    ),
]
Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write the report here (atomically).")
]
FailOn = Annotated[
    str | None,
    typer.Option("--fail-on", help="Exit 1 on findings at or above: error | warning | never."),
]
Select = Annotated[
    list[str] | None, typer.Option("--select", help="Only checks with these code prefixes.")
]
Ignore = Annotated[list[str] | None, typer.Option("--ignore", help="Skip these code prefixes.")]
ExtendIgnore = Annotated[
    list[str] | None, typer.Option("--extend-ignore", help="Skip these too, on top of config.")
]
AllowModule = Annotated[
    list[str] | None,
    typer.Option("--allow-module", help="A module YAML specs may name (repeatable)."),
]
ConfigPath = Annotated[
    Path | None,
    typer.Option("--config", help="Config file (default: nearest augaudit.toml/pyproject.toml)."),
]
Debug = Annotated[bool, typer.Option(help="Show tracebacks of failing stages and bugs.")]
Jobs = Annotated[
    int | None,
    typer.Option("--jobs", "-j", help="Worker processes [default: the machine's cores]."),
]
MaxImages = Annotated[
    int | None,
    typer.Option(
        "--max-images",
        help="Audit a seeded random subset of this many images; means get 95% intervals.",
    ),
]
StageTimeout = Annotated[
    float | None,
    typer.Option(
        "--stage-timeout", help="Seconds a stage may take on one sample; 0: no limit [default: 60]."
    ),
]
MaxMegapixels = Annotated[
    float | None,
    typer.Option(
        "--max-megapixels",
        help="Largest output a stage may return, in megapixels (bigger is an AUG501 error: "
        "measuring it would take tens of GB); 0: no limit [default: 50].",
    ),
]
Html = Annotated[
    Path | None, typer.Option("--html", help="Also write a self-contained HTML visual report.")
]
Grid = Annotated[
    Path | None, typer.Option("--grid", help="Also write a contact sheet PNG (images x stages).")
]
HtmlImages = Annotated[
    int | None,
    typer.Option("--html-images", help="Show at most this many images in the HTML report."),
]
