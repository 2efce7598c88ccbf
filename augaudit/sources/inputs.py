"""What the pipeline receives: a PIL image, a uint8 tensor or a float tensor in [0, 1]."""

from __future__ import annotations

from typing import Any

from PIL import Image


def make_input(image: Image.Image, kind: str) -> Any:
    """A fresh object per sample, so a stage that mutates its input cannot leak."""
    if kind == "pil":
        return image.copy()
    # Only workers that audit tensors need torch: sources stay importable without it.
    import torch
    from torchvision.transforms.v2 import functional as F

    tensor = F.pil_to_tensor(image)
    wide = tensor.dtype != torch.uint8
    if kind == "uint8":
        if wide:  # 16-bit and 32-bit PIL modes: scale, never clip
            return (tensor.to(torch.float64) / 257.0).round().clamp(0, 255).to(torch.uint8)
        return tensor
    top = 65535.0 if wide else 255.0
    return tensor.to(torch.float32) / top
