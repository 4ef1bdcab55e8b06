#!/usr/bin/python3
"""Test fixture generator for EMO-AffectNet's temporal model import (tests/emo-affectnet/lstm.golden.test.ts).

Builds the authors' LSTMPyTorch (../../shared/MODELS.md section 2; the class as the authors' code and the
scripts that load FER_dinamic_LSTM_<corpus>.pt write it) with seeded random weights, saves its state_dict
with torch.save (PyTorch's default ZIP format, like the authors' .pt files), exports it to ONNX with
torch.onnx.export (the "ready ONNX" path), and writes PyTorch's outputs for fixed feature sequences.

Test set-up only, never part of the product. Needs Debian's python3-torch:
    apt-get install -y python3-torch
Usage:
    /usr/bin/python3 scripts/emo-affectnet/make-test-lstm.py OUT_DIR [--seed N] [--batch N] [--resnet-reference JSON]

With --resnet-reference (the reference.json of make-test-checkpoint.py), the ResNet-50's relu(fc1) features
PyTorch computed there also become sequences (CHAIN_ORDER below), so the test can check the whole chain:
our ResNet-50 ONNX -> its features -> our LSTM ONNX, against PyTorch's ResNet-50 -> LSTM.

Writes into OUT_DIR:
    emo-affectnet-lstm-test.pt    the state_dict (10 keys)
    emo-affectnet-lstm-test.onnx  torch.onnx.export of the same model (absent if the export fails)
    sequences.f32                 BATCH x 10 x 512 float32 (little-endian), relu(fc1)-like features
    reference.json                shapes, PyTorch probabilities and logits per sequence, versions
"""

# Which ResNet-50 inputs make the chain's sequence, oldest first (10 steps over the fixture's 5 inputs).
CHAIN_ORDER = [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
import argparse
import json
import os
import sys

import torch
import torch.nn as nn

WINDOW = 10
FEATURES = 512


class LSTMPyTorch(nn.Module):
    """The authors' temporal model: the module names are the state_dict keys of FER_dinamic_LSTM_*.pt."""

    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTM(input_size=512, hidden_size=512, batch_first=True, bidirectional=False)
        self.lstm2 = nn.LSTM(input_size=512, hidden_size=256, batch_first=True, bidirectional=False)
        self.fc = nn.Linear(256, 7)
        self.softmax = nn.Softmax(dim=1)

    def logits(self, x):
        x, _ = self.lstm1(x)
        x, _ = self.lstm2(x)
        return self.fc(x[:, -1, :])

    def forward(self, x):
        return self.softmax(self.logits(x))


def randomise(model, generator):
    """PyTorch's own LSTM init is uniform(+-1/sqrt(hidden)); widen it and give every gate its own bias, so
    a wrong gate order or a dropped bias shows in the outputs; scale fc so the probabilities are not flat."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.startswith('lstm'):
                hidden = p.shape[0] // 4
                bound = 2.0 / hidden ** 0.5 if 'weight' in name else 0.5
                p.copy_(torch.empty_like(p).uniform_(-bound, bound, generator=generator))
        model.fc.weight.copy_(torch.empty_like(model.fc.weight).normal_(0.0, 1.0, generator=generator))
        model.fc.bias.copy_(torch.empty_like(model.fc.bias).normal_(0.0, 0.5, generator=generator))


def sequences(generator, n):
    """Features like relu(fc1): non-negative, sparse, a few units; some sequences drift over the window, one
    repeats its first vector (how the authors fill a window that has just started)."""
    out = []
    for i in range(n):
        start = torch.relu(torch.randn((FEATURES,), generator=generator) * 1.5)
        end = torch.relu(torch.randn((FEATURES,), generator=generator) * 1.5)
        t = torch.linspace(0, 1, WINDOW).view(WINDOW, 1)
        seq = start * (1 - t) + end * t + torch.relu(torch.randn((WINDOW, FEATURES), generator=generator)) * 0.3
        if i % 4 == 3:
            seq = start.expand(WINDOW, FEATURES).clone()
        out.append(seq)
    return torch.stack(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out_dir')
    parser.add_argument('--seed', type=int, default=20222)
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--resnet-reference', help="make-test-checkpoint.py's reference.json (for the chain check)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)

    model = LSTMPyTorch()
    randomise(model, generator)
    model.eval()
    state = model.state_dict()
    assert len(state) == 10, f'expected 10 state_dict keys, got {len(state)}'
    torch.save(state, os.path.join(args.out_dir, 'emo-affectnet-lstm-test.pt'))

    x = sequences(generator, args.batch)
    x.numpy().astype('<f4').tofile(os.path.join(args.out_dir, 'sequences.f32'))
    with torch.no_grad():
        logits = model.logits(x)
        probabilities = model(x)

    onnx_file = None
    try:
        torch.onnx.export(
            model, x[:1], os.path.join(args.out_dir, 'emo-affectnet-lstm-test.onnx'),
            input_names=['input'], output_names=['output'], dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}},
            opset_version=14,
        )
        onnx_file = 'emo-affectnet-lstm-test.onnx'
    except Exception as error:  # an older or trimmed torch: the ONNX path is then skipped with this reason
        onnx_error = f'{type(error).__name__}: {error}'
        print(f'torch.onnx.export failed: {onnx_error}', file=sys.stderr)

    reference = {
        'torch': torch.__version__,
        'seed': args.seed,
        'checkpoint': 'emo-affectnet-lstm-test.pt',
        'keys': [[k, list(v.shape)] for k, v in state.items()],
        'onnx': onnx_file,
        'inputs': {'file': 'sequences.f32', 'shape': list(x.shape)},
        'probabilities': [[float(v) for v in row] for row in probabilities.numpy()],
        'logits': [[float(v) for v in row] for row in logits.numpy()],
    }
    if onnx_file is None:
        reference['onnxError'] = onnx_error
    if args.resnet_reference:
        with open(args.resnet_reference) as f:
            features = torch.tensor(json.load(f)['features'], dtype=torch.float32)
        chain = features[CHAIN_ORDER].unsqueeze(0)
        with torch.no_grad():
            reference['chain'] = {
                'order': CHAIN_ORDER,
                'probabilities': [float(v) for v in model(chain)[0]],
            }
    tmp = os.path.join(args.out_dir, 'reference.json.tmp')
    with open(tmp, 'w') as f:
        json.dump(reference, f)
    os.replace(tmp, os.path.join(args.out_dir, 'reference.json'))
    print(f'wrote {args.out_dir}: torch {torch.__version__}, {len(state)} keys, onnx {onnx_file}, '
          f'probabilities[0] {reference["probabilities"][0]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
