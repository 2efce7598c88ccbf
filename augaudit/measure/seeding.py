"""Per-stage seeds: derived from (seed, image, sample, stage), never from run order.

Keying on the image's path rather than its position means adding an image to
a folder does not change the draws of the others.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from augaudit.knowledge import is_torchvision_class


def stage_seed(seed: int, image: str, sample: int, stage: int) -> int:
    """A 63-bit seed for one stage run; stable across machines and Python versions."""
    key = f"{seed}\x00{image}\x00{sample}\x00{stage}".encode()
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "little") >> 1


def seed_everything(value: int) -> None:
    """Seed every generator a transform may draw from: torch, ``random`` and numpy.

    ``torch.manual_seed`` also formats a stack trace for lazy accelerator seeding on
    every call (0.2 ms, 14% of an audit that seeds a few times per stage); the CPU
    generator alone gives the same draws.
    """
    torch.default_generator.manual_seed(value)
    if torch.cuda.is_initialized():
        torch.cuda.manual_seed_all(value)
    random.seed(value)
    np.random.seed(value % 2**32)


def seed_stage(transform: Any, value: int) -> None:
    """Seed the global generators and the stage's own: MONAI's ``set_random_state``, and
    ``random.Random``, numpy and torch generators held in its attributes (or its members'),
    so that the real run, the twin and the probes get the same draws."""
    seed_everything(value)
    for seeder in _own_seeders(transform):
        seeder(value)


_SEEDERS: dict[int, tuple[Any, tuple[Callable[[int], None], ...]]] = {}
_MAX_DEPTH = 3
_MAX_CACHED = 256


def _own_seeders(transform: Any) -> tuple[Callable[[int], None], ...]:
    # Keyed by id with the object kept alive, so an id is never reused for another stage.
    cached = _SEEDERS.get(id(transform))
    if cached is None or cached[0] is not transform:
        if len(_SEEDERS) >= _MAX_CACHED:  # a notebook auditing many pipelines: keep none alive
            _SEEDERS.clear()
        found: list[Callable[[int], None]] = []
        _collect(transform, found, 0, set())
        cached = (transform, tuple(found))
        _SEEDERS[id(transform)] = cached
    return cached[1]


def _collect(obj: Any, found: list[Callable[[int], None]], depth: int, seen: set[int]) -> None:
    if id(obj) in seen or depth > _MAX_DEPTH or is_torchvision_class(obj):
        return
    seen.add(id(obj))
    seeder = _generator_seeder(obj)
    if seeder is not None:
        found.append(seeder)
        return
    set_state = getattr(obj, "set_random_state", None)
    if callable(set_state) and not isinstance(obj, type):  # MONAI's Randomizable (recursive)
        found.append(lambda value: set_state(seed=value % 2**32))
        return
    for value in _held(obj):
        _collect(value, found, depth + 1, seen)


def _generator_seeder(obj: Any) -> Callable[[int], None] | None:
    if isinstance(obj, random.Random):
        return obj.seed
    if isinstance(obj, np.random.RandomState):
        return lambda value: obj.seed(value % 2**32)
    if isinstance(obj, np.random.Generator):
        kind = type(obj.bit_generator)
        return lambda value: setattr(obj.bit_generator, "state", kind(value).state)
    if isinstance(obj, torch.Generator):

        def reseed(value: int) -> None:
            obj.manual_seed(value)

        return reseed
    return None


_MAX_HELD = 64  # members looked at per object: a transform is not a dataset


def _held(obj: Any) -> list[Any]:
    """What an object holds: a container's members, an instance's attributes."""
    if isinstance(obj, list | tuple):
        return list(obj[:_MAX_HELD])
    if isinstance(obj, dict):
        return list(obj.values())[:_MAX_HELD]
    if isinstance(obj, type) or not hasattr(obj, "__dict__"):
        return []
    held = list(vars(obj).values())
    children = vars(obj).get("_modules")  # an nn.Module's submodules
    if isinstance(children, dict):
        held += list(children.values())
    return held[:_MAX_HELD]
