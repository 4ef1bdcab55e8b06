/**
 * Numerically stable softmax (subtract the max first, so large logits cannot overflow exp).
 * EMO-AffectNet outputs raw logits (../shared/MODELS.md section 2: "Then softmax over the logits"); the
 * reference demo showed a raw logit as "confidence", which this replaces.
 */

/** softmax(logits) into `out` (allocated when absent). Throws on empty or non-finite input. */
export function softmax(
  logits: ArrayLike<number>,
  out: Float64Array = new Float64Array(logits.length),
): Float64Array {
  const n = logits.length;
  if (n === 0) throw new Error('softmax: expected at least one logit, got none');
  if (out.length !== n) throw new Error(`softmax: output holds ${out.length} values, expected ${n}`);
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = logits[i] ?? Number.NaN;
    if (!Number.isFinite(x))
      throw new Error(`softmax: logit ${i} is ${x}; expected finite numbers from the model`);
    if (x > max) max = x;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp((logits[i] ?? 0) - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] = (out[i] ?? 0) / sum;
  return out;
}
