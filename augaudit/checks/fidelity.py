"""Fidelity checks (4xx): the final output against the float64 reference.

Each check function's docstring is its documentation (``augaudit explain``).
"""

from __future__ import annotations

from collections.abc import Iterator

from augaudit.aggregate.evidence import lo_below
from augaudit.checks.common import finding
from augaudit.checks.context import CheckContext
from augaudit.model import Finding


def final_fidelity(ctx: CheckContext) -> Iterator[Finding]:
    """The pipeline's output differs from what its augmentations meant to produce.

    The reference is the same pipeline with the same random draws in
    float64, without rounding, clipping or wrap-around. A sound 8-bit chain
    stays near 55-60 dB and float32 above 110 dB; below 40 dB PSNR or 0.98
    SSIM (``final-psnr-min``, ``final-ssim-min``) the damage is visible.

    Fails::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 128, interpolation: bicubic}
          - ToPILImage

    Passes::

        pipeline:
          - ToImage
          - ToDtype: {dtype: float32, scale: true}
          - Resize: {size: 128, interpolation: bilinear}
          - ToPILImage
    """
    if not ctx.stages:
        return
    final = ctx.stages[-1]
    psnr, ssim = final.metrics.get("psnr_vs_reference"), final.metrics.get("ssim_vs_reference")
    psnr_min, ssim_min = ctx.thresholds["final-psnr-min"], ctx.thresholds["final-ssim-min"]
    low_psnr = psnr is not None and psnr.mean < psnr_min
    low_ssim = ssim is not None and ssim.mean < ssim_min
    if not (low_psnr or low_ssim):
        return
    parts = []
    if psnr is not None:
        parts.append(f"{psnr.mean:.1f} dB PSNR on average (worst {psnr.min:.1f} dB)")
    if ssim is not None:
        parts.append(f"SSIM {ssim.mean:.4f} (worst {ssim.min:.4f})")
    index = final.index
    images = ctx.images_where(
        index,
        lambda e: (
            lo_below(e.psnr_vs_reference, psnr_min) or lo_below(e.ssim_vs_reference, ssim_min)
        ),
    )
    yield finding(
        "AUG401",
        final,
        f"the final output ({ctx.label(final)}) reaches only {' and '.join(parts)} against the "
        f"reference (limits {psnr_min:g} dB, {ssim_min:g})",
        sorted(images),
    )
