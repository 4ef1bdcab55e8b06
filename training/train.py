#!/usr/bin/python3
"""`npm run train -- --out <dir>`: trains the project's FER+ emotion classifier, calibrates it on valid, reports
test once, and exports it (ONNX, manifest entry, golden reference) into models/.

Development tool only (Debian's python3-torch, python3-pil, python3-numpy, python3-matplotlib); the product
stays TypeScript. Deterministic for a given seed, device and thread count; checkpoints every epoch, and
`--resume` continues a run that stopped. training/README.md has the method and the measurements.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from augment import augment  # noqa: E402
import calibrate  # noqa: E402
from ferplus_data import EMOTIONS, Split, check_root  # noqa: E402
from model import FerNet  # noqa: E402
import finish  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.join(REPO, "..", "shared", "data", "ferplus")
CHECKPOINT = "checkpoint.pt"


def parse_args(argv):
    p = argparse.ArgumentParser(prog="npm run train --", description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, help="run folder: checkpoint, log, curve.png, metrics, ONNX")
    p.add_argument("--data", default=DEFAULT_DATA, help="FER+ folder (default ../shared/data/ferplus)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="auto: cuda where available")
    p.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="CPU threads (default: all cores)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N faces of each split (smoke tests)")
    p.add_argument("--no-install", action="store_true", help="leave models/ and tests/ untouched")
    p.add_argument("--stop-after", type=int, default=None, metavar="N",
                   help="stop after epoch N, as an interrupted run would (to try --resume)")
    args = p.parse_args(argv)
    if args.epochs < 1 or args.batch_size < 1 or args.threads < 1:
        p.error("--epochs, --batch-size and --threads must be at least 1")
    return args


def pick_device(name):
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda: this PyTorch sees no CUDA device (torch.cuda.is_available() is False)")
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def seed_everything(seed, epoch):
    """Per-epoch seeds: an epoch's shuffling, augmentation and dropout depend only on (seed, epoch), so a resumed
    run is the same as one that never stopped."""
    torch.manual_seed(seed * 100_003 + epoch)
    return torch.Generator().manual_seed(seed * 100_003 + epoch)


class Ema:
    """Exponential moving average of the weights (and a copy of BatchNorm's statistics); it is what is evaluated
    and exported."""

    def __init__(self, model, decay=0.999):
        self.decay = decay
        self.updates = 0
        self.model = FerNet().to(next(model.parameters()).device)
        self.model.load_state_dict(model.state_dict())
        self.model.eval()

    @torch.no_grad()
    def update(self, model):
        # Warm-up (as timm's ModelEmaV3): early on the average follows the weights closely, so the first epochs'
        # valid figures are the model's, not a blend with its random initial weights.
        self.updates += 1
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for e, p in zip(self.model.parameters(), model.parameters()):
            e.mul_(decay).add_(p.detach(), alpha=1 - decay)
        for e, b in zip(self.model.buffers(), model.buffers()):
            e.copy_(b)


def param_groups(model, weight_decay):
    decay = [p for n, p in model.named_parameters() if p.ndim > 1]
    no_decay = [p for n, p in model.named_parameters() if p.ndim <= 1]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def lr_at(step, total, warmup, base):
    if step < warmup:
        return base * (step + 1) / warmup
    t = (step - warmup) / max(1, total - warmup)
    return base * 0.5 * (1 + np.cos(np.pi * t))


def normalised_input(images_u8, norm, device):
    """uint8 [n, 48, 48] -> the network's input [n, 1, 48, 48]: v / 255, then (x - mean) / std."""
    x = torch.from_numpy(images_u8).to(device=device, dtype=torch.float32).unsqueeze(1) / 255.0
    return (x - norm["mean"]) / norm["std"]


@torch.no_grad()
def predict_logits(model, images_u8, norm, device, flip=False, batch=512):
    model.eval()
    out = []
    for i in range(0, len(images_u8), batch):
        x = normalised_input(images_u8[i : i + batch], norm, device)
        z = model(x)
        if flip:
            z = (z + model(torch.flip(x, dims=[3]))) / 2
        out.append(z.cpu())
    return torch.cat(out).numpy().astype(np.float64)


def valid_scores(model, split, norm, device):
    """(accuracy, macro recall) on the split's scored faces."""
    scored = split.majority >= 0
    logits = predict_logits(model, split.images[scored], norm, device)
    s = calibrate.scores(logits.argmax(axis=1), split.majority[scored], len(EMOTIONS))
    return s["accuracy"], s["macroRecall"]


def fmt_duration(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m" if seconds >= 3600 else f"{seconds // 60}m{seconds % 60:02d}s"


def train(args):
    check_root(args.data)
    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    device = pick_device(args.device)
    os.makedirs(args.out, exist_ok=True)
    log = open(os.path.join(args.out, "train.log"), "a")

    def say(line):
        print(line, flush=True)
        log.write(line + "\n")
        log.flush()

    t0 = time.time()
    data = {s: Split(args.data, s, args.limit) for s in ("train", "valid", "test")}
    train_split = data["train"]
    keep = np.flatnonzero(train_split.trainable)
    images, targets = train_split.images[keep], torch.from_numpy(train_split.targets[keep])
    norm = {
        "mean": float(images.mean() / 255.0),
        "std": float(images.std() / 255.0),
    }
    say(
        f"FER+ {args.data}: train {len(keep)} faces with soft targets (of {len(train_split)}), "
        f"valid {int((data['valid'].majority >= 0).sum())}, test {int((data['test'].majority >= 0).sum())} scored; "
        f"loaded in {time.time() - t0:.1f} s; device {device}, {args.threads} threads"
    )

    torch.manual_seed(args.seed)  # the initial weights
    model = FerNet().to(device)
    ema = Ema(model)
    opt = torch.optim.SGD(param_groups(model, 5e-4), lr=args.lr, momentum=0.9, nesterov=True)
    steps_per_epoch = (len(keep) + args.batch_size - 1) // args.batch_size
    total_steps, warmup = steps_per_epoch * args.epochs, steps_per_epoch * min(2, args.epochs)
    history, start = [], 0
    # The code the run starts from (a resumed run keeps its first start's).
    args.commit = finish.git_commit(REPO)
    ckpt_path = os.path.join(args.out, CHECKPOINT)
    if args.resume:
        if not os.path.isfile(ckpt_path):
            raise SystemExit(f"--resume: no {ckpt_path}; start without --resume")
        ckpt = torch.load(ckpt_path, map_location=device)
        for key in ("seed", "epochs", "batch_size", "lr", "limit"):
            if ckpt["args"][key] != getattr(args, key):
                raise SystemExit(f"--resume: the checkpoint was made with --{key.replace('_', '-')} {ckpt['args'][key]}")
        model.load_state_dict(ckpt["model"])
        ema.model.load_state_dict(ckpt["ema"])
        ema.updates = ckpt["emaUpdates"]
        opt.load_state_dict(ckpt["optimizer"])
        history, start = ckpt["history"], ckpt["epoch"]
        args.commit = ckpt["args"].get("commit", args.commit)
        say(f"resumed from {ckpt_path} after epoch {start}")
    mean_t = torch.tensor(norm["mean"], device=device)
    std_t = torch.tensor(norm["std"], device=device)

    for epoch in range(start, args.epochs):
        t_epoch = time.time()
        g = seed_everything(args.seed, epoch)
        order = torch.randperm(len(keep), generator=g)
        model.train()
        loss_sum, seen = 0.0, 0
        for b in range(steps_per_epoch):
            idx = order[b * args.batch_size : (b + 1) * args.batch_size]
            x = torch.from_numpy(images[idx.numpy()]).float().unsqueeze(1) / 255.0
            x = augment(x, g).to(device)
            y = targets[idx].to(device)
            for group in opt.param_groups:
                group["lr"] = lr_at(epoch * steps_per_epoch + b, total_steps, warmup, args.lr)
            logits = model((x - mean_t) / std_t)
            loss = -(y * F.log_softmax(logits, dim=1)).sum(dim=1).mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema.update(model)
            loss_sum += float(loss) * len(idx)
            seen += len(idx)
        acc, macro = valid_scores(ema.model, data["valid"], norm, device)
        seconds = time.time() - t_epoch
        history.append({"epoch": epoch + 1, "loss": loss_sum / seen, "validAccuracy": acc, "validMacroRecall": macro, "seconds": seconds})
        torch.save(
            {"model": model.state_dict(), "ema": ema.model.state_dict(), "emaUpdates": ema.updates, "optimizer": opt.state_dict(),
             "epoch": epoch + 1, "history": history, "norm": norm, "args": vars(args)},
            ckpt_path + ".tmp",
        )
        os.replace(ckpt_path + ".tmp", ckpt_path)
        mean_epoch = float(np.mean([h["seconds"] for h in history[-5:]]))
        say(
            f"epoch {epoch + 1:3d}/{args.epochs}  loss {loss_sum / seen:.4f}  valid acc {100 * acc:5.2f}%  "
            f"macro recall {macro:.3f}  {seconds:5.1f} s/epoch  ETA {fmt_duration(mean_epoch * (args.epochs - epoch - 1))}"
        )
        if args.stop_after is not None and epoch + 1 >= args.stop_after and epoch + 1 < args.epochs:
            say(f"stopped after epoch {epoch + 1} (--stop-after); continue with --resume")
            log.close()
            return
    say(f"trained {args.epochs} epochs in {fmt_duration(sum(h['seconds'] for h in history))} (epoch time summed)")
    finish.finish(args, ema.model, norm, data, history, device, say, REPO)
    log.close()


if __name__ == "__main__":
    train(parse_args(sys.argv[1:]))
