"""Whether a stage can be replayed: the probes and the float64 twin call it again with
the real run's seed and must get the real run's draws, and the probes' per-pixel reading
of fill must hold for what the stage does to values."""

from __future__ import annotations

from typing import Any

import torch

from augaudit.knowledge import holds_value_dependent_op
from augaudit.measure.coverage import ProbeResult, fully_covered
from augaudit.measure.seeding import seed_stage
from augaudit.measure.values import fresh_copy, same_values

UNSEEDED_NOTE = (
    "two calls with the same seed gave different outputs (the stage draws from a random "
    "generator augaudit cannot seed): border fill and fidelity are unknown from here on"
)


def reproduces(transform: Any, real_in: Any, out: Any, seed: int) -> bool:
    """Whether a second call, seeded as the first, on a copy of the same input gives the
    same output: the probes and the twin rely on it."""
    seed_stage(transform, seed)
    try:
        again = transform(fresh_copy(real_in))
    except Exception:
        return False
    return same_values(out, again)


def same_raw(before: torch.Tensor, after: torch.Tensor) -> bool:
    return before.shape == after.shape and bool(torch.equal(before, after))


class ProbeAssumption(ValueError):
    """The probes' reading cannot be trusted for this stage."""


def check_probe_assumptions(
    transform: Any, before: torch.Tensor, probed: ProbeResult, out_raw: torch.Tensor
) -> None:
    """The probes read fill from a per-pixel difference; refuse readings where that fails."""
    mixed = not (fully_covered(before) and fully_covered(probed.coverage))
    if mixed and holds_value_dependent_op(transform):
        raise ProbeAssumption(
            "a value-dependent op (equalize, autocontrast, solarize, posterize, or a policy "
            "drawing one) ran on an image with fill or after a warp: the probes cannot tell "
            "fill from content"
        )
    if probed.gain is None and bool((out_raw != out_raw.flatten()[0]).any()):
        raise ProbeAssumption(
            "the stage maps both probes to the same output while its real output varies "
            "(a per-image stretch such as min-max scaling?): fill cannot be read"
        )
