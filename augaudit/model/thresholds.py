"""The thresholds checks judge by, with their defaults (``[tool.augaudit.thresholds]``)."""

from __future__ import annotations

#: Every threshold a check reads, with its default (``[tool.augaudit.thresholds]``).
DEFAULT_THRESHOLDS: dict[str, float] = {
    "border-fill-mean": 0.05,
    "border-fill-max": 0.15,
    "fidelity-psnr-min": 50.0,
    # AUG102: share of values a conversion truncates (a truncating cast hits about half).
    "truncated-fraction-max": 0.01,
    # AUG201: share of values outside the stage's convention, at worst.
    "out-of-range-max": 0.001,
    # AUG205: points of values newly pinned at the range's ends.
    "saturation-growth-max": 0.05,
    # AUG401: fidelity of the final output against the reference.
    "final-psnr-min": 40.0,
    "final-ssim-min": 0.98,
}
# Thresholds that are shares, written as percentages (or points) in texts.
_SHARES = frozenset(
    {
        "border-fill-mean",
        "border-fill-max",
        "truncated-fraction-max",
        "out-of-range-max",
        "saturation-growth-max",
    }
)


def threshold_text(name: str, value: float) -> str:
    """A threshold as texts state it: shares in percent (0.05 -> ``5``), others as given."""
    return f"{100 * value:g}" if name in _SHARES else f"{value:g}"


#: The values each threshold can mean something at: shares in [0, 1], PSNR up to the
#: 200 dB reports cap it at, SSIM in [-1, 1]; a drop is measured on the same scales.
LIMITS: dict[str, tuple[float, float]] = {
    "border-fill-mean": (0.0, 1.0),
    "border-fill-max": (0.0, 1.0),
    "truncated-fraction-max": (0.0, 1.0),
    "out-of-range-max": (0.0, 1.0),
    "saturation-growth-max": (0.0, 1.0),
    "fidelity-psnr-min": (0.0, 200.0),
    "final-psnr-min": (0.0, 200.0),
    "final-ssim-min": (-1.0, 1.0),
    "baseline-fill-increase": (0.0, 1.0),
    "baseline-psnr-drop": (0.0, 200.0),
    "baseline-ssim-drop": (0.0, 2.0),
}
