"""Metrics and the two post-hoc choices made on the valid split: a per-class logit bias for the rare classes
(logit adjustment, Menon et al. 2021: logits - tau * log(prior)) and a softmax temperature (Guo et al. 2017).
Pure numpy: logits in, numbers out."""
import numpy as np

ECE_BINS = 15
TAUS = [round(0.1 * k, 1) for k in range(11)]
# Accuracy the logit adjustment may cost on valid, at most, for the macro recall it buys.
MAX_ACCURACY_COST = 0.005
TEMPERATURES = np.exp(np.linspace(np.log(0.5), np.log(4.0), 400))


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def scores(pred, labels, num_classes):
    """accuracy, macro recall, per-class recall and confusion (rows: true, columns: predicted)."""
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(confusion, (labels, pred), 1)
    support = confusion.sum(axis=1)
    recall = np.where(support > 0, np.diag(confusion) / np.maximum(support, 1), np.nan)
    return {
        "accuracy": float((pred == labels).mean()),
        "macroRecall": float(np.nanmean(recall)),
        "recall": [float(r) for r in recall],
        "confusion": confusion.tolist(),
        "n": int(len(labels)),
    }


def ece(probs, labels, bins=ECE_BINS):
    """Expected calibration error of the top probability, `bins` equal-width bins."""
    conf = probs.max(axis=1)
    correct = (probs.argmax(axis=1) == labels).astype(np.float64)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs(conf[inside].mean() - correct[inside].mean())
    return float(total)


def nll(logits, labels, temperature):
    p = softmax(logits / temperature)
    return float(-np.log(np.maximum(p[np.arange(len(labels)), labels], 1e-12)).mean())


def fit_temperature(logits, labels):
    losses = [nll(logits, labels, t) for t in TEMPERATURES]
    return float(TEMPERATURES[int(np.argmin(losses))])


def choose_bias(logits, labels, prior):
    """The tau (and its bias -tau * log(prior)) with the best macro recall on valid whose accuracy stays within
    MAX_ACCURACY_COST of tau = 0's. Returns (bias, tau, table of every tau tried)."""
    log_prior = np.log(np.maximum(prior, 1e-6))
    table = []
    for tau in TAUS:
        s = scores((logits - tau * log_prior).argmax(axis=1), labels, logits.shape[1])
        table.append({"tau": tau, "accuracy": s["accuracy"], "macroRecall": s["macroRecall"]})
    floor = table[0]["accuracy"] - MAX_ACCURACY_COST
    best = max((row for row in table if row["accuracy"] >= floor), key=lambda r: r["macroRecall"])
    return (-best["tau"] * log_prior).astype(np.float32), best["tau"], table
