"""Batched, seeded augmentation on [n, 1, 48, 48] tensors in 0..1 (before normalisation).

Random affine (shift, rotation, scale), horizontal flip, brightness/contrast and random erasing, drawn from one
torch.Generator, so a given seed and epoch always give the same pictures.
"""
import math

import torch
import torch.nn.functional as F

SHIFT = 0.1  # of the side, each way
ROTATE_DEG = 12.0
SCALE = (0.88, 1.12)
BRIGHTNESS = 0.2
CONTRAST = (0.7, 1.3)
ERASE_P = 0.4
ERASE_AREA = (0.02, 0.15)


def uniform(n, lo, hi, g):
    return lo + (hi - lo) * torch.rand(n, generator=g)


def augment(x, g):
    n = x.shape[0]
    angle = uniform(n, -ROTATE_DEG, ROTATE_DEG, g) * math.pi / 180
    scale = uniform(n, SCALE[0], SCALE[1], g)
    flip = torch.where(torch.rand(n, generator=g) < 0.5, -1.0, 1.0)
    tx, ty = uniform(n, -2 * SHIFT, 2 * SHIFT, g), uniform(n, -2 * SHIFT, 2 * SHIFT, g)  # grid units: side = 2
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos * flip, -sin, tx], 1), torch.stack([sin * flip, cos, ty], 1)], 1
    )
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    # Border replication, not black: a shifted face at inference has the picture around it, not a black edge.
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    contrast = uniform(n, CONTRAST[0], CONTRAST[1], g).view(n, 1, 1, 1)
    brightness = uniform(n, -BRIGHTNESS, BRIGHTNESS, g).view(n, 1, 1, 1)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    out = ((out - mean) * contrast + mean + brightness).clamp(0, 1)
    return random_erase(out, g)


def random_erase(x, g):
    n, _, h, w = x.shape
    erase = torch.rand(n, generator=g) < ERASE_P
    area = uniform(n, ERASE_AREA[0], ERASE_AREA[1], g) * h * w
    aspect = torch.exp(uniform(n, math.log(0.5), math.log(2.0), g))
    eh = (area * aspect).sqrt().clamp(1, h).long()
    ew = (area / aspect).sqrt().clamp(1, w).long()
    y0 = (torch.rand(n, generator=g) * (h - eh + 1).float()).long()
    x0 = (torch.rand(n, generator=g) * (w - ew + 1).float()).long()
    fill = torch.rand(n, generator=g)
    ys = torch.arange(h).view(1, h, 1)
    xs = torch.arange(w).view(1, 1, w)
    mask = (
        erase.view(n, 1, 1)
        & (ys >= y0.view(n, 1, 1)) & (ys < (y0 + eh).view(n, 1, 1))
        & (xs >= x0.view(n, 1, 1)) & (xs < (x0 + ew).view(n, 1, 1))
    ).unsqueeze(1)
    return torch.where(mask, fill.view(n, 1, 1, 1).expand_as(x), x)
