"""The project's FER+ classifier: a small VGG-style CNN on 48x48 grey faces.

Sized for the product's budget (issue 11): <= 3 ms per face in onnxruntime-web wasm on 1 thread, and a full
training run within 90 minutes on a 2-core CPU. Four stages of two 3x3 conv + BatchNorm + ReLU (16, 32, 64, 128
channels at 48, 24, 12, 6 px), about 30 M multiply-adds. The head keeps the faces' layout (a 3x3 grid of 128
features, where the mouth and the brows sit) instead of a global average, through two dropout + linear layers.
"""
import torch
import torch.nn as nn

WIDTHS = (16, 32, 64, 128)
HIDDEN = 256
INPUT_SIZE = 48


def conv_bn_relu(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FerNet(nn.Module):
    def __init__(self, num_classes=7, widths=WIDTHS, hidden=HIDDEN, dropout=0.4):
        super().__init__()
        layers, cin = [], 1
        for w in widths:
            layers += conv_bn_relu(cin, w) + conv_bn_relu(w, w) + [nn.MaxPool2d(2)]
            cin = w
        self.features = nn.Sequential(*layers)  # 48 -> 3
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Dropout(dropout),
            nn.Linear(cin * 3 * 3, hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(hidden, num_classes),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x):
        return self.head(self.features(x))


class Calibrated(nn.Module):
    """What is exported: (logits + bias) / temperature, then softmax. `bias` (per class, from post-hoc logit
    adjustment for the rare classes) and `temperature` are both chosen on the valid split (calibrate.py)."""

    def __init__(self, net, bias, temperature):
        super().__init__()
        self.net = net
        self.register_buffer("bias", torch.as_tensor(bias, dtype=torch.float32).reshape(1, -1))
        self.register_buffer("inv_temperature", torch.tensor(1.0 / float(temperature), dtype=torch.float32))

    def forward(self, x):
        return torch.softmax((self.net(x) + self.bias) * self.inv_temperature, dim=1)
