#!/usr/bin/python3
"""Test fixture generator for EMO-AffectNet checkpoint import (tests/emo-affectnet/import.golden.test.ts).

Builds the authors' ResNet-50 (../../shared/MODELS.md section 2; the code names are those of the authors'
repo, github.com/ElenaRyumina/EMO-AffectNet) with seeded random weights, randomised BatchNorm statistics
(so that folding BatchNorm into the convolutions is really tested), saves its state_dict with torch.save
(PyTorch's default ZIP format, like FER_static_ResNet50_AffectNet.pt) and writes the PyTorch outputs for
fixed inputs. Optionally also applies the authors' preprocessing to a real image.

Test set-up only, never part of the product. Needs Debian's python3-torch and python3-pil:
    apt-get install -y python3-torch python3-pil
Usage:
    /usr/bin/python3 scripts/emo-affectnet/make-test-checkpoint.py OUT_DIR [--image JPG] [--seed N] [--batch N]

Writes into OUT_DIR:
    emo-affectnet-test.pt   the state_dict (322 keys)
    inputs.f32              BATCH x 3 x 224 x 224 float32 (little-endian), preprocessed-like inputs
    image-rgb.u8            (with --image) the image as PIL decodes it, H x W x 3 RGB bytes
    image-authors.f32       (with --image) the authors' preprocessing of it, 1 x 3 x 224 x 224 float32
    crop-authors.f32        (with --image) the same for a 256 x 256 crop of it (box in reference.json)
    reference.json          shapes, PyTorch logits and relu(fc1) features for every input, versions
"""
import argparse
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

# Authors' preprocessing constants, B, G, R order (MODELS.md section 2).
BGR_MEAN = np.array([91.4953, 103.8827, 131.0912], dtype=np.float32)
NUM_CLASSES = 7
CROP_SIZE = 256


class Conv2dSame(nn.Conv2d):
    """TensorFlow 'SAME' padding: the extra pixel goes right/bottom (at 224, stride 2, 7x7: 2 left, 3 right)."""

    def calc_same_pad(self, i, k, s, d):
        return max((math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0)

    def forward(self, x):
        ih, iw = x.size()[-2:]
        pad_h = self.calc_same_pad(i=ih, k=self.kernel_size[0], s=self.stride[0], d=self.dilation[0])
        pad_w = self.calc_same_pad(i=iw, k=self.kernel_size[1], s=self.stride[1], d=self.dilation[1])
        if pad_h > 0 or pad_w > 0:
            x = F.pad(x, [pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, out_channels, i_downsample=None, stride=1):
        super().__init__()
        # The stride sits on the first 1x1 conv, not on the 3x3 one (unlike torchvision).
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=1, stride=stride, padding=0, bias=False)
        self.batch_norm1 = nn.BatchNorm2d(out_channels, eps=0.001, momentum=0.99)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=3, padding='same', bias=False)
        self.batch_norm2 = nn.BatchNorm2d(out_channels, eps=0.001, momentum=0.99)
        self.conv3 = nn.Conv2d(out_channels, out_channels * self.expansion, kernel_size=1, stride=1, padding=0, bias=False)
        self.batch_norm3 = nn.BatchNorm2d(out_channels * self.expansion, eps=0.001, momentum=0.99)
        self.i_downsample = i_downsample
        self.stride = stride
        self.relu = nn.ReLU()

    def forward(self, x):
        identity = x.clone()
        x = self.relu(self.batch_norm1(self.conv1(x)))
        x = self.relu(self.batch_norm2(self.conv2(x)))
        x = self.batch_norm3(self.conv3(x))
        if self.i_downsample is not None:
            identity = self.i_downsample(identity)
        x += identity
        return self.relu(x)


class ResNet(nn.Module):
    def __init__(self, block, layer_list, num_classes, num_channels=3):
        super().__init__()
        self.in_channels = 64
        self.conv_layer_s2_same = Conv2dSame(num_channels, 64, 7, stride=2, groups=1, bias=False)
        self.batch_norm1 = nn.BatchNorm2d(64, eps=0.001, momentum=0.99)
        self.relu = nn.ReLU()
        self.max_pool = nn.MaxPool2d(kernel_size=3, stride=2)
        self.layer1 = self._make_layer(block, layer_list[0], planes=64, stride=1)
        self.layer2 = self._make_layer(block, layer_list[1], planes=128, stride=2)
        self.layer3 = self._make_layer(block, layer_list[2], planes=256, stride=2)
        self.layer4 = self._make_layer(block, layer_list[3], planes=512, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc1 = nn.Linear(512 * block.expansion, 512)
        self.relu1 = nn.ReLU()
        self.fc2 = nn.Linear(512, num_classes)

    def extract_features(self, x):
        x = self.relu(self.batch_norm1(self.conv_layer_s2_same(x)))
        x = self.max_pool(x)
        x = self.layer1(x)
        x = self.layer2(x)
        x = self.layer3(x)
        x = self.layer4(x)
        x = self.avgpool(x)
        x = x.reshape(x.shape[0], -1)
        return self.fc1(x)

    def forward(self, x):
        return self.fc2(self.relu1(self.extract_features(x)))

    def _make_layer(self, block, blocks, planes, stride=1):
        downsample = None
        if stride != 1 or self.in_channels != planes * block.expansion:
            downsample = nn.Sequential(
                nn.Conv2d(self.in_channels, planes * block.expansion, kernel_size=1, stride=stride, bias=False, padding=0),
                nn.BatchNorm2d(planes * block.expansion, eps=0.001, momentum=0.99),
            )
        layers = [block(self.in_channels, planes, i_downsample=downsample, stride=stride)]
        self.in_channels = planes * block.expansion
        for _ in range(blocks - 1):
            layers.append(block(self.in_channels, planes))
        return nn.Sequential(*layers)


def resnet50(num_classes=NUM_CLASSES):
    return ResNet(Bottleneck, [3, 4, 6, 3], num_classes)


def random_pixels(generator, n):
    """Inputs like the authors' preprocessed images: pixels 0..255 in B, G, R minus the means. Half are
    smooth (random low-resolution colour fields, upsampled, plus a little noise), like photos; the others
    are pixel noise, so both kinds of statistics are exercised."""
    images = []
    for i in range(n):
        size = (7, 28, 224)[i % 3] if i % 2 == 0 else 224
        field = torch.rand((1, 3, size, size), generator=generator) * 255
        field = F.interpolate(field, size=(224, 224), mode='bilinear', align_corners=False)
        noise = torch.randn((1, 3, 224, 224), generator=generator) * (4.0 if size < 224 else 0.0)
        images.append((field + noise).clamp(0, 255).round())
    return torch.cat(images) - torch.from_numpy(BGR_MEAN).view(1, 3, 1, 1)


def randomise(model, generator):
    """Random weights with BatchNorm statistics that keep activations in a realistic range, then perturbed
    so that running_mean/var, weight and bias all differ from their defaults (folding must use them all)."""
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    with torch.no_grad():
        for bn in bns:
            bn.weight.copy_(torch.empty_like(bn.weight).uniform_(0.5, 1.5, generator=generator))
            bn.bias.copy_(torch.empty_like(bn.bias).normal_(0.0, 0.2, generator=generator))
            bn.momentum = None  # cumulative average over the calibration batches
            bn.reset_running_stats()
        model.train()
        for _ in range(3):
            model(random_pixels(generator, 4))
        model.eval()
        for bn in bns:
            std = bn.running_var.sqrt()
            bn.running_mean.add_(torch.empty_like(std).normal_(0.0, 0.1, generator=generator) * std)
            bn.running_var.mul_(torch.empty_like(std).uniform_(0.7, 1.4, generator=generator))
            bn.num_batches_tracked.fill_(int(torch.randint(1, 100000, (1,), generator=generator)))
            bn.momentum = 0.99
        # Logits of a few units, like a trained classifier's, so an absolute tolerance means something.
        model.fc2.weight.mul_(4.0)


def authors_preprocessing(image):
    """The authors' recipe (MODELS.md section 2): RGB, resize to 224x224 NEAREST (stretch), float 0..255,
    flip to BGR, subtract the B, G, R means, NCHW with a batch dimension."""
    nearest = getattr(Image, 'Resampling', Image).NEAREST
    resized = np.asarray(image.convert('RGB').resize((224, 224), nearest), dtype=np.float32)
    bgr = resized[:, :, ::-1] - BGR_MEAN
    return np.ascontiguousarray(bgr.transpose(2, 0, 1)[None], dtype=np.float32)


def run(model, x):
    with torch.no_grad():
        features = torch.relu(model.extract_features(x))
        logits = model.fc2(features)
    return logits, features


def to_lists(t):
    return [[float(v) for v in row] for row in t.numpy()]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir')
    parser.add_argument('--image', help='a real image for the preprocessing check')
    parser.add_argument('--seed', type=int, default=20221)
    parser.add_argument('--batch', type=int, default=4)
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    model = resnet50()
    randomise(model, generator)
    state = model.state_dict()
    assert len(state) == 322, f'expected 322 state_dict keys, got {len(state)}'
    torch.save(state, os.path.join(args.out_dir, 'emo-affectnet-test.pt'))

    inputs = random_pixels(generator, args.batch)
    inputs.numpy().astype('<f4').tofile(os.path.join(args.out_dir, 'inputs.f32'))
    logits, features = run(model, inputs)
    reference = {
        'torch': torch.__version__,
        'seed': args.seed,
        'checkpoint': 'emo-affectnet-test.pt',
        'keys': len(state),
        'inputs': {'file': 'inputs.f32', 'shape': list(inputs.shape)},
        'logits': to_lists(logits),
        'features': to_lists(features),
    }

    if args.image:
        image = Image.open(args.image).convert('RGB')
        rgb = np.asarray(image, dtype=np.uint8)
        tensor = authors_preprocessing(image)
        rgb.tofile(os.path.join(args.out_dir, 'image-rgb.u8'))
        tensor.astype('<f4').tofile(os.path.join(args.out_dir, 'image-authors.f32'))
        # A face-sized crop whose sides are a multiple of 64: there Pillow's NEAREST (which accumulates
        # x += in/out in floating point) differs from floor((u + 0.5) * in / out) on some rows and columns.
        crop = None
        if rgb.shape[0] >= CROP_SIZE and rgb.shape[1] >= CROP_SIZE:
            x, y = min(100, rgb.shape[1] - CROP_SIZE), min(40, rgb.shape[0] - CROP_SIZE)
            crop_tensor = authors_preprocessing(image.crop((x, y, x + CROP_SIZE, y + CROP_SIZE)))
            crop_tensor.astype('<f4').tofile(os.path.join(args.out_dir, 'crop-authors.f32'))
            crop = {'x': x, 'y': y, 'width': CROP_SIZE, 'height': CROP_SIZE, 'tensor': 'crop-authors.f32'}
        image_logits, image_features = run(model, torch.from_numpy(tensor))
        reference['image'] = {
            'path': os.path.abspath(args.image),
            'width': int(rgb.shape[1]),
            'height': int(rgb.shape[0]),
            'rgb': 'image-rgb.u8',
            'tensor': 'image-authors.f32',
            'logits': to_lists(image_logits)[0],
            'features': to_lists(image_features)[0],
            'crop': crop,
        }

    # reference.json last: its presence means the directory is complete.
    tmp = os.path.join(args.out_dir, 'reference.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(reference, f)
    os.replace(tmp, os.path.join(args.out_dir, 'reference.json'))
    print(f'wrote {args.out_dir}: torch {torch.__version__}, {len(state)} keys, logits[0] {reference["logits"][0]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
