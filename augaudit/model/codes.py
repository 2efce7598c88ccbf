"""The check codes: stable public API, like a linter's code table. No torch here.

Each code has a name, a default severity, a one-line summary and a hint. A summary may
name a threshold as ``{threshold-name}``: :meth:`CodeInfo.summary_for` fills in the
value in effect, so `augaudit rules`, SARIF and JUnit never state a limit the user
changed. What each check does lives in :mod:`augaudit.checks` (one module per family).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from augaudit.errors import InputError, SpecError
from augaudit.model.report import Severity
from augaudit.model.thresholds import DEFAULT_THRESHOLDS, threshold_text


@dataclass(frozen=True)
class CodeInfo:
    code: str
    name: str
    severity: Severity
    summary: str
    hint: str
    static: bool = False  # decided from the spec alone: `validate` runs it without images

    def summary_for(self, thresholds: Mapping[str, float] | None = None) -> str:
        """The summary with the thresholds in effect (the defaults where none are given)."""
        values = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
        return self.summary.format_map({k: threshold_text(k, v) for k, v in values.items()})


CODES: tuple[CodeInfo, ...] = (
    CodeInfo(
        "AUG101",
        "quantization",
        "warning",
        summary=(
            "a float image is converted to 8 bits before the last stage, or fidelity drops below "
            "{fidelity-psnr-min} dB"
        ),
        hint=(
            "keep the image in float32 until the last stage (v2.ToImage, "
            "v2.ToDtype(torch.float32, scale=True) first; convert to 8 bits only for saving or "
            "viewing)"
        ),
    ),
    CodeInfo(
        "AUG102",
        "truncation",
        "warning",
        summary=(
            "a conversion to integers truncates instead of rounding (ToPILImage: every pixel -0.5"
            " LSB darker on average, 52.9 dB instead of 58.9 dB)"
        ),
        hint=(
            "convert with rounding: x.mul(255).round().to(torch.uint8) (or "
            "v2.ToDtype(torch.uint8, scale=True)), or keep float32 to the end; ToPILImage floors"
        ),
    ),
    CodeInfo(
        "AUG103",
        "channels-lost",
        "warning",
        summary=(
            "channels or bit depth are lost: alpha dropped, RGB to 1 channel, a palette image's "
            "indices read as gray, a 16-bit image squeezed to 8 bits (at loading or in a stage)"
        ),
        hint=(
            "composite transparent images on a background before training (or --mode keep and "
            "handle alpha), convert palette images with .convert('RGB'), keep 16-bit data as "
            "uint16 and ToDtype(torch.float32, scale=True); ignore this on a stage that is meant "
            "to do it"
        ),
    ),
    CodeInfo(
        "AUG201",
        "out-of-range",
        "warning",
        summary=(
            "a stage puts values outside its convention's range (bicubic overshoot, noise without"
            " clipping) and nothing wraps them: they will be clipped later or mislead the model"
        ),
        hint=(
            "clamp after the stage (x.clamp(0, 1)), use bilinear instead of bicubic, or clip=True"
            " on GaussianNoise"
        ),
    ),
    CodeInfo(
        "AUG202",
        "wrap-around",
        "error",
        summary=(
            "values outside [0,1] reach a conversion to 8 bits and wrap around (1.2 becomes 50)"
        ),
        hint=(
            "clamp before converting (x.clamp(0, 1)), or avoid the overshoot (bilinear instead of"
            " bicubic, clip=True on noise); ToPILImage and ToDtype(uint8) do not clip"
        ),
    ),
    CodeInfo(
        "AUG203",
        "float-0-255",
        "error",
        summary="a float image holds 0..255 values and a later stage treats it as [0,1]",
        hint=(
            "use ToDtype(torch.float32, scale=True) (v1: ConvertImageDtype or ToTensor) so floats"
            " are in [0,1]"
        ),
    ),
    CodeInfo(
        "AUG204",
        "non-finite",
        "error",
        summary="NaN or Inf in a stage's output",
        hint="look for a division by a zero std, a log of 0, or a fill/value of nan in this stage",
    ),
    CodeInfo(
        "AUG205",
        "saturation",
        "warning",
        summary=(
            "a stage pins more than {saturation-growth-max} more points of the values at the "
            "range's ends than its input had"
        ),
        hint=(
            "lower the colour-jitter strength, check the value range the stage receives (0..255 "
            "floats are clamped to 1.0), or raise saturation-growth-max if the clipping is "
            "intended"
        ),
    ),
    CodeInfo(
        "AUG301",
        "border-fill",
        "warning",
        summary=(
            "border fill of the final output above {border-fill-mean}% on average or "
            "{border-fill-max}% at worst"
        ),
        hint=(
            "rotate less, crop after rotating (RandomResizedCrop after RandomRotation), or use "
            "expand/reflect padding; fill is pixels the model learns as content"
        ),
    ),
    CodeInfo(
        "AUG302",
        "nearest-resampling",
        "warning",
        summary=(
            "a geometric transform resamples image data with NEAREST (RandomRotation, "
            "RandomAffine and RandomPerspective do by default)"
        ),
        hint=(
            "pass interpolation=InterpolationMode.BILINEAR (YAML: interpolation: bilinear); "
            "NEAREST is for label masks, not images"
        ),
        static=True,
    ),
    CodeInfo(
        "AUG303",
        "zero-fill-blend",
        "info",
        summary=(
            "a bilinear rotation/affine/perspective on tensors with fill=0 darkens the edge "
            "pixels twice"
        ),
        hint=(
            "use fill=None (edge pixels blend with black once, as plain resampling does) or a "
            "mean fill such as fill=[0.485, 0.456, 0.406] on [0,1] floats (edges fade to the "
            "mean, not black)"
        ),
        static=True,
    ),
    CodeInfo(
        "AUG401",
        "final-fidelity",
        "warning",
        summary=(
            "the final output falls below {final-psnr-min} dB PSNR or {final-ssim-min} SSIM "
            "against the reference"
        ),
        hint=(
            "find the stage where psnr_vs_reference drops (the table shows it per stage): usually"
            " a wrap-around, a clamp or an 8-bit round trip; fix that stage"
        ),
    ),
    CodeInfo(
        "AUG501",
        "stage-raised",
        "error",
        summary=(
            "a stage raised on some image, or returned something that is not an image "
            "(None, a tuple)"
        ),
        hint=(
            "run with --debug for the traceback; check the input type the stage expects (PIL, "
            "uint8 or float tensor) and that it returns the image"
        ),
    ),
    CodeInfo(
        "AUG502",
        "normalize-order",
        "warning",
        summary=(
            "Normalize comes before a stage that assumes [0,1] pixels (ColorJitter, Solarize, "
            "AutoAugment...) or before a conversion to PIL/8 bits"
        ),
        hint=(
            "move Normalize to the end of the pipeline (after every colour and conversion stage);"
            " RandomErasing after Normalize is fine"
        ),
        static=True,
    ),
    CodeInfo(
        "AUG503",
        "deprecated-api",
        "info",
        summary="a deprecated transform: v2.ToTensor or v2.ConvertImageDtype",
        hint=(
            "use v2.ToImage() + v2.ToDtype(torch.float32, scale=True) (YAML: ToImage, then "
            "ToDtype: {dtype: float32, scale: true})"
        ),
        static=True,
    ),
    CodeInfo(
        "AUG504",
        "image-skipped",
        "warning",
        summary="an image could not be read and was skipped",
        hint="fix or remove the file; the reason names what Pillow reported",
    ),
    CodeInfo(
        "AUG505",
        "stage-timeout",
        "error",
        summary=(
            "a stage, with its measurement, did not finish within --stage-timeout seconds "
            "(default 60) on a sample and was stopped"
        ),
        hint=(
            "find what the stage waits for (a lock, a download, an endless loop); raise "
            "--stage-timeout if it is only slow, or its images very large (measuring them counts "
            "too)"
        ),
    ),
    CodeInfo(
        "AUG506",
        "unstable-output-type",
        "warning",
        summary=(
            "a stage returns a different type (class, dtype, mode or channels) from one call to "
            "the next"
        ),
        hint=(
            "make the stage return one type; a RandomApply or RandomChoice over conversions gives"
            " later stages (and the model) different inputs depending on the draw"
        ),
    ),
    CodeInfo(
        "AUG507",
        "mutates-input",
        "warning",
        summary="a stage changes its input in place",
        hint=(
            "copy before changing (img = img.clone() for tensors, img.copy() for PIL and numpy); "
            "a dataset that caches decoded images would otherwise see them change"
        ),
    ),
    CodeInfo(
        "AUG508",
        "measurement-lost",
        "warning",
        summary="border fill or fidelity could not be measured from a stage on: they are unknown",
        hint=(
            "see the stage's notes for why; a stage with its own random generator or one that "
            "refuses the probes' inputs is the usual cause"
        ),
    ),
    CodeInfo(
        "AUG509",
        "no-effect",
        "info",
        summary="a stage returned its input unchanged on every image and sample audited",
        hint=(
            "check its probability and parameters (a RandomApply with p=0, a blur of "
            "radius 0, a conversion to the type the data already has); remove it if it is "
            "meant to do nothing"
        ),
    ),
    CodeInfo(
        "AUG510",
        "unseeded-random",
        "warning",
        summary=(
            "a stage draws from a random generator augaudit cannot seed: fill and fidelity "
            "are unknown after it, and the report changes from run to run"
        ),
        hint=(
            "draw from torch, random or numpy's global generators, or hold a random.Random, "
            "numpy Generator/RandomState or torch.Generator as an attribute (augaudit seeds "
            "those), or give the class MONAI's set_random_state"
        ),
    ),
)
BY_CODE: dict[str, CodeInfo] = {info.code: info for info in CODES}


def selected(codes: Iterable[str], select: Iterable[str] = (), ignore: Iterable[str] = ()) -> bool:
    """True when every code matches a ``select`` prefix (or none given) and no ``ignore`` one."""
    sel, ign = tuple(select), tuple(ignore)
    return all(
        (not sel or code.startswith(sel)) and not (ign and code.startswith(ign)) for code in codes
    )


def code_prefixes(values: Iterable[str], option: str) -> tuple[str, ...]:
    """Check code prefixes as a user writes them: comma-separated, any case, each checked.

    Raises
    ------
    InputError
        A prefix matches no check code: ``--select AUG9`` or a typo would
        otherwise turn every check off, and a CI gate with them, silently.
    """
    prefixes: list[str] = []
    for value in [values] if isinstance(values, str) else values:  # "AUG3" is one prefix
        for part in str(value).split(","):
            prefix = part.strip().upper()
            if not prefix:
                continue
            if not any(code.startswith(prefix) for code in BY_CODE):
                raise InputError(
                    f"{option} {part.strip()!r} matches no check code",
                    hint="codes look like AUG301, a prefix like AUG3 takes a group; "
                    "`augaudit rules` lists them",
                )
            prefixes.append(prefix)
    return tuple(prefixes)


def known_codes(codes: list[str], where: str) -> tuple[str, ...]:
    """Ignore codes in any case, each one a prefix of a check code (as for ``--ignore``).

    A typo would otherwise silence nothing, quietly.
    """
    try:
        return tuple(dict.fromkeys(code_prefixes(codes, "ignore")))
    except InputError as exc:
        raise SpecError(exc.message, where=where, hint=exc.hint) from None
