"""FER+ as arrays: 48x48 grey faces with soft targets from the 10 annotators' votes.

The layout is ../shared/data/ferplus/SOURCE.txt's: <split>/label.csv rows "file, (x, y, w, h), 10 vote counts"
in the order neutral, happiness, surprise, sadness, anger, disgust, fear, contempt, unknown, NF. The product's
7 emotions (../shared/MODELS.md) leave out contempt; unknown and NF are not emotions at all.
"""
import csv
import hashlib
import os

import numpy as np
from PIL import Image

# Output order of the trained classifier: the product's canonical order (src/ml/emotions.ts).
EMOTIONS = ["neutral", "happiness", "sadness", "surprise", "fear", "disgust", "anger"]
# Column of each vote in label.csv (SOURCE.txt).
VOTE_COLUMNS = ["neutral", "happiness", "surprise", "sadness", "anger", "disgust", "fear", "contempt", "unknown", "NF"]
EMOTION_VOTE_INDEX = [VOTE_COLUMNS.index(e) for e in EMOTIONS]
SPLITS = ("train", "valid", "test")


def label_file(root, split):
    return os.path.join(root, split, "label.csv")


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def read_votes(root, split):
    """(file names, votes [n, 10] int) in label.csv order."""
    names, votes = [], []
    with open(label_file(root, split), newline="") as f:
        for row in csv.reader(f):
            if len(row) != 12:
                raise ValueError(f"{label_file(root, split)}: expected 12 columns, got {len(row)}: {row}")
            names.append(row[0])
            votes.append([int(v) for v in row[2:]])
    return names, np.asarray(votes, dtype=np.int64)


def majority_index(votes):
    """Index into EMOTIONS of each face's majority label, or -1 where majority.csv leaves the face out.

    majority.csv's rule (SOURCE.txt): the column with the most votes, kept only where that maximum is unique and
    is one of the 7 emotions.
    """
    top = votes.max(axis=1, keepdims=True)
    unique = (votes == top).sum(axis=1) == 1
    col = votes.argmax(axis=1)
    out = np.full(len(votes), -1, dtype=np.int64)
    for k, c in enumerate(EMOTION_VOTE_INDEX):
        out[(col == c) & unique] = k
    return out


def soft_targets(votes):
    """Training targets, as the FER+ reference code builds them (Barsoum et al. 2016, microsoft/FERPlus
    ferplus.py _process_data): a single vote is an outlier and is dropped; a face whose strongest remaining
    column is contempt, unknown or NF is left out (mask False); the 7 emotions' votes are normalised to sum 1.
    """
    v = votes.astype(np.float64).copy()
    v[v <= 1] = 0
    emo = v[:, EMOTION_VOTE_INDEX]
    keep = (emo.sum(axis=1) > 0) & (emo.max(axis=1) >= v.max(axis=1))
    target = np.zeros_like(emo)
    target[keep] = emo[keep] / emo[keep].sum(axis=1, keepdims=True)
    return target.astype(np.float32), keep


def load_images(root, split, names):
    out = np.empty((len(names), 48, 48), dtype=np.uint8)
    for i, name in enumerate(names):
        path = os.path.join(root, split, name)
        with Image.open(path) as im:
            g = im.convert("L")
            if g.size != (48, 48):
                raise ValueError(f"{path}: expected a 48x48 face, got {g.size[0]}x{g.size[1]}")
            out[i] = np.asarray(g, dtype=np.uint8)
    return out


class Split:
    """One split: images [n, 48, 48] uint8, soft targets [n, 7], majority index [n] (-1: not scored)."""

    def __init__(self, root, split, limit=None):
        names, votes = read_votes(root, split)
        if limit is not None:
            names, votes = names[:limit], votes[:limit]
        self.name = split
        self.names = names
        self.images = load_images(root, split, names)
        self.targets, self.trainable = soft_targets(votes)
        self.majority = majority_index(votes)

    def __len__(self):
        return len(self.names)


def check_root(root):
    missing = [label_file(root, s) for s in SPLITS if not os.path.isfile(label_file(root, s))]
    if missing:
        raise SystemExit(
            f"FER+ data not found: {', '.join(missing)} missing. Pass --data <dir> with the layout of "
            "../shared/data/ferplus (train/, valid/, test/, each with label.csv and its PNGs)."
        )
