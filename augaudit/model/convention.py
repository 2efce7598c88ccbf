"""How a stage's raw values map to [0, 1]: the value convention, as torch-free data."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TypeVar

C = TypeVar("C", bound="Convention")


@dataclass(frozen=True)
class Convention:
    """How raw values map to [0, 1]: ``unit = raw * scale + offset`` per channel.

    ``name`` is what users read: ``8-bit [0,255]``, ``float [0,1]``,
    ``float [0,255]``, ``16-bit [0,65535]``, ``int16 [0,32767]`` or ``normalized``.
    ``integer`` marks integer data; ``wide`` marks floats that hold 0..255 (or
    0..65535) values instead of [0, 1], the ``ToDtype(float32)`` without
    ``scale=True`` trap.
    """

    name: str
    scale: tuple[float, ...] = (1.0,)
    offset: tuple[float, ...] = (0.0,)
    integer: bool = False
    wide: bool = False

    @property
    def is_unit(self) -> bool:
        """Raw values already are unit values (to_unit would only copy)."""
        return all(s == 1.0 for s in self.scale) and not any(self.offset)

    def normalized(self: C, mean: tuple[float, ...], std: tuple[float, ...]) -> C:
        """The convention after ``(raw - mean) / std`` is applied to this one."""
        n = max(len(mean), len(std), len(self.scale))

        def at(values: tuple[float, ...], i: int) -> float:
            return values[i] if len(values) > 1 else values[0]

        scale = tuple(at(std, i) * at(self.scale, i) for i in range(n))
        offset = tuple(at(mean, i) * at(self.scale, i) + at(self.offset, i) for i in range(n))
        return replace(
            self, name="normalized", scale=scale, offset=offset, integer=False, wide=False
        )
