"""After the last epoch: calibration on valid, one report on test, the curve, and the export (ONNX, manifest
entry, golden reference), installed into models/ and tests/golden/ unless --no-install or --limit."""
import base64
import datetime
import hashlib
import json
import os
import shutil
import subprocess

import numpy as np
import torch

import calibrate
from ferplus_data import EMOTIONS, SPLITS, label_file, sha256_of
from model import INPUT_SIZE, Calibrated

MODEL_ID = "affect-lens-ferplus"
ONNX_FILE = f"{MODEL_ID}.onnx"
REFERENCE_FILE = f"{MODEL_ID}.reference.json"
MAX_BYTES = 5 * 1024 * 1024
# PIL's "L" conversion (ITU-R 601-2), which made the grey FER2013 pictures (../shared/MODELS.md section 5).
GRAY_WEIGHTS = [0.299, 0.587, 0.114]
# Crop margin per side of the BlazeFace box, measured on FER+ valid in full mode (npm run eval -- --csv
# ../shared/data/ferplus/majority.csv --mode full --usage valid --margin 0,0.1,0.2,0.3): accuracy 83.0%, 83.9%,
# 82.2%, 78.7%; macro recall 0.717, 0.703, 0.650, 0.576. Measure again when the network or the data changes.
CROP_MARGIN = 0.1
MAX_BATCH = 8
GOLDEN_SEED = 20261202


def finish(args, net, norm, data, history, device, say, repo):
    from train import predict_logits  # the one inference loop

    net.eval()
    logits, labels = {}, {}
    for name in ("valid", "test"):
        split = data[name]
        scored = split.majority >= 0
        logits[name] = predict_logits(net, split.images[scored], norm, device)
        labels[name] = split.majority[scored]
    train = data["train"]
    train_labels = train.majority[(train.majority >= 0) & train.trainable]
    prior = np.bincount(train_labels, minlength=len(EMOTIONS)) / max(1, len(train_labels))

    bias, tau, tau_table = calibrate.choose_bias(logits["valid"], labels["valid"], prior)
    temperature = calibrate.fit_temperature(logits["valid"] + bias, labels["valid"])
    flip_valid = predict_logits(net, data["valid"].images[data["valid"].majority >= 0], norm, device, flip=True)

    def report(z, y, b, t):
        probs = calibrate.softmax((z + b) / t)
        out = calibrate.scores(probs.argmax(axis=1), y, len(EMOTIONS))
        out["ece"] = calibrate.ece(probs, y)
        return out

    zero = np.zeros(len(EMOTIONS))
    metrics = {
        "labels": EMOTIONS,
        "valid": {
            "raw": report(logits["valid"], labels["valid"], zero, 1.0),
            "flipAveraged": report(flip_valid, labels["valid"], zero, 1.0),
            "calibrated": report(logits["valid"], labels["valid"], bias, temperature),
            "logitAdjustment": tau_table,
        },
        # Reported once, with everything chosen on valid.
        "test": {
            "raw": report(logits["test"], labels["test"], zero, 1.0),
            "calibrated": report(logits["test"], labels["test"], bias, temperature),
        },
        "tau": tau,
        "bias": [float(b) for b in bias],
        "temperature": temperature,
        "history": history,
    }
    v, t = metrics["valid"], metrics["test"]
    say(
        f"valid: accuracy {100 * v['raw']['accuracy']:.2f}%, macro recall {v['raw']['macroRecall']:.3f}; "
        f"with flip averaging {100 * v['flipAveraged']['accuracy']:.2f}% / {v['flipAveraged']['macroRecall']:.3f}"
    )
    say(
        f"chosen on valid: logit adjustment tau {tau} (bias {np.round(bias, 3).tolist()}), temperature {temperature:.3f}; "
        f"valid {100 * v['calibrated']['accuracy']:.2f}% / {v['calibrated']['macroRecall']:.3f}"
    )
    say(
        f"test: accuracy {100 * t['calibrated']['accuracy']:.2f}%, macro recall {t['calibrated']['macroRecall']:.3f} "
        f"(raw {100 * t['raw']['accuracy']:.2f}% / {t['raw']['macroRecall']:.3f}); "
        f"ECE {t['raw']['ece']:.4f} before calibration, {t['calibrated']['ece']:.4f} after"
    )
    say("test recall: " + ", ".join(
        f"{e} {r:.3f}" if r == r else f"{e} - (no face of it in test)" for e, r in zip(EMOTIONS, t["calibrated"]["recall"])
    ))
    with open(os.path.join(args.out, "metrics.json"), "w") as f:
        json.dump(metrics, f, indent=1)
    plot_curve(history, os.path.join(args.out, "curve.png"))

    exported = Calibrated(net, bias, temperature).to("cpu").eval()
    onnx_path = os.path.join(args.out, ONNX_FILE)
    export_onnx(exported, onnx_path)
    size = os.path.getsize(onnx_path)
    if size > MAX_BYTES:
        raise SystemExit(f"{onnx_path}: {size} bytes, over the 5 MB budget")
    reference = golden_reference(exported)
    with open(os.path.join(args.out, REFERENCE_FILE), "w") as f:
        json.dump(reference, f)
    entry = manifest_entry(args, norm, metrics, onnx_path)
    with open(os.path.join(args.out, "manifest-entry.json"), "w") as f:
        json.dump(entry, f, indent=2)
    say(f"exported {onnx_path} ({size / 1024:.0f} KiB), curve.png, metrics.json, manifest-entry.json")
    if args.no_install or args.limit is not None:
        say("not installed (--no-install or --limit): models/ and tests/golden/ are unchanged")
        return
    shutil.copyfile(onnx_path, os.path.join(repo, "models", ONNX_FILE))
    shutil.copyfile(os.path.join(args.out, REFERENCE_FILE), os.path.join(repo, "tests", "golden", REFERENCE_FILE))
    shutil.copyfile(os.path.join(args.out, "curve.png"), os.path.join(repo, "training", "curve.png"))
    install_manifest_entry(os.path.join(repo, "models", "manifest.json"), entry)
    say(f"installed models/{ONNX_FILE}, its entry in models/manifest.json (the first classifier: the default), "
        f"tests/golden/{REFERENCE_FILE} and training/curve.png")


def export_onnx(module, path):
    torch.onnx.export(
        module,
        torch.zeros(1, 1, INPUT_SIZE, INPUT_SIZE),
        path,
        input_names=["input"],
        output_names=["probabilities"],
        dynamic_axes={"input": {0: "batch"}, "probabilities": {0: "batch"}},
        opset_version=13,
        do_constant_folding=True,
    )


def golden_inputs():
    """Fixed network inputs (already normalised): seeded noise, a flat grey and a ramp."""
    rng = np.random.default_rng(GOLDEN_SEED)
    noise = rng.standard_normal((4, 1, INPUT_SIZE, INPUT_SIZE))
    flat = np.zeros((1, 1, INPUT_SIZE, INPUT_SIZE))
    ramp = np.linspace(-2, 2, INPUT_SIZE * INPUT_SIZE).reshape(1, 1, INPUT_SIZE, INPUT_SIZE)
    return np.concatenate([noise, flat, ramp]).astype(np.float32)


@torch.no_grad()
def golden_reference(module):
    x = golden_inputs()
    probs = module(torch.from_numpy(x)).numpy()
    return {
        "comment": "PyTorch outputs of the exported model on fixed inputs; written by npm run train (training/finish.py)",
        "shape": list(x.shape),
        "inputsFloat32Base64": base64.b64encode(x.astype("<f4").tobytes()).decode("ascii"),
        "probabilities": [[float(p) for p in row] for row in probs],
        "torch": torch.__version__,
    }


def git_commit(repo):
    try:
        head = subprocess.run(["git", "-C", repo, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "training"], capture_output=True, text=True).stdout.strip()
        return head + ("+uncommitted training/ changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def manifest_entry(args, norm, metrics, onnx_path):
    with open(onnx_path, "rb") as f:
        onnx_bytes = f.read()
    t = metrics["test"]["calibrated"]
    command = f"npm run train -- --out <dir> --epochs {args.epochs} --seed {args.seed}"
    return {
        "id": MODEL_ID,
        "kind": "classifier",
        "input": {"name": "input", "shape": [1, 1, INPUT_SIZE, INPUT_SIZE], "layout": "NCHW",
                  "width": INPUT_SIZE, "height": INPUT_SIZE, "channels": 1},
        "outputs": [{"name": "probabilities", "shape": [1, len(EMOTIONS)]}],
        "preprocessing": {
            "color": "gray",
            "grayWeights": GRAY_WEIGHTS,
            "fit": "stretch",
            "resize": "bilinear",
            # FER2013's faces were shrunk with a proper filter: a big face from a video frame is averaged
            # the same way, not point-sampled (src/ml/resize.ts).
            "antialias": True,
            "coordinateTransform": "half_pixel",
            "scale": 1 / 255,
            "mean": [round(norm["mean"], 6)],
            "std": [round(norm["std"], 6)],
        },
        "weights": "float32",
        "source": {"package": "affect-lens@0.1.0", "path": "training/train.py", "licence": "MIT"},
        "description": (
            "Affect Lens's own FER+ classifier: a VGG-style CNN (16-128 channels, 48x48 grey), trained by this "
            "project on the FER+ vote distributions; logit adjustment for the rare classes and a temperature, "
            "both chosen on FER+ valid, are inside the graph, which ends in a softmax."
        ),
        "sourceLabels": EMOTIONS,
        "labels": EMOTIONS,
        "outputIsProbability": True,
        "output": "probabilities",
        "maxBatch": MAX_BATCH,
        "cropMargin": CROP_MARGIN,
        "training": {
            "command": command,
            "seed": args.seed,
            "epochs": args.epochs,
            "commit": args.commit,
            "torch": torch.__version__,
            "threads": args.threads,
            "date": datetime.date.today().isoformat(),
            "data": "FER+ (../shared/data/ferplus): FER2013 images (research use, no licence; never bundled), "
                    "FER+ labels (MIT, Microsoft)",
            "labelsSha256": {s: sha256_of(label_file(args.data, s)) for s in SPLITS},
            "temperature": round(metrics["temperature"], 6),
            "logitAdjustmentTau": metrics["tau"],
            "ferplusTest": {
                "accuracy": round(t["accuracy"], 4),
                "macroRecall": round(t["macroRecall"], 4),
                "eceBefore": round(metrics["test"]["raw"]["ece"], 4),
                "eceAfter": round(t["ece"], 4),
            },
        },
        "file": ONNX_FILE,
        "sha256": hashlib.sha256(onnx_bytes).hexdigest(),
        "bytes": len(onnx_bytes),
    }


def install_manifest_entry(manifest_path, entry):
    """Puts the entry first among the classifiers (the engine's default is the first classifier), replacing an
    earlier one of the same id. scripts/models/build-models.ts keeps it there when it rebuilds the others."""
    with open(manifest_path) as f:
        manifest = json.load(f)
    models = [m for m in manifest["models"] if m["id"] != entry["id"]]
    first_classifier = next((i for i, m in enumerate(models) if m["kind"] == "classifier"), len(models))
    models.insert(first_classifier, entry)
    manifest["models"] = models
    with open(manifest_path, "w") as f:
        f.write(json.dumps(manifest, indent=2) + "\n")


def plot_curve(history, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, ax = plt.subplots(figsize=(7, 4), dpi=110)
    ax.plot(epochs, [h["loss"] for h in history], color="tab:blue", marker=".", label="train loss (soft targets)")
    ax.set_xlabel("epoch")
    ax.set_ylabel("train loss", color="tab:blue")
    ax2 = ax.twinx()
    ax2.plot(epochs, [100 * h["validAccuracy"] for h in history], color="tab:red", marker=".", label="valid accuracy")
    ax2.plot(epochs, [100 * h["validMacroRecall"] for h in history], color="tab:orange", marker=".", label="valid macro recall")
    ax2.set_ylabel("valid (%)", color="tab:red")
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    labels = ax.get_legend_handles_labels()[1] + ax2.get_legend_handles_labels()[1]
    ax.legend(lines, labels, loc="center right")
    ax.set_title("Affect Lens FER+ classifier: training curve")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
