/**
 * A classifier's output vector -> the 7 canonical emotions, by the manifest's `labels` (the canonical
 * emotion of each output, in output order). The bundled classifiers order their labels differently
 * (../shared/MODELS.md section 3: "map outputs by name"), so the order never comes from code.
 * Softmax only when the graph does not already end in one (`outputIsProbability: false`).
 */
import { EMOTIONS, type Emotion, type EmotionScores, isEmotion } from './emotions.ts';
import type { ClassifierEntry } from './manifest.ts';
import { softmax } from './softmax.ts';

export type LabelSpec = Pick<ClassifierEntry, 'id' | 'labels' | 'outputIsProbability'>;

/** Throws unless every label is a canonical emotion and none repeats (call once per model). */
export function assertLabels(spec: LabelSpec): void {
  const where = `classifier '${spec.id}'`;
  if (!Array.isArray(spec.labels) || spec.labels.length === 0) {
    throw new Error(`${where}: labels must list the canonical emotion of each output, in output order`);
  }
  const seen = new Set<string>();
  for (const label of spec.labels) {
    if (!isEmotion(label)) {
      throw new Error(`${where}: label '${String(label)}' is not one of ${EMOTIONS.join(', ')}`);
    }
    if (seen.has(label))
      throw new Error(`${where}: label '${label}' appears twice; each output needs its own emotion`);
    seen.add(label);
  }
}

export function zeroScores(): EmotionScores {
  return { neutral: 0, happiness: 0, sadness: 0, surprise: 0, fear: 0, disgust: 0, anger: 0 };
}

/** Probabilities over the canonical emotions; emotions the model lacks get 0. */
export function toEmotionScores(output: ArrayLike<number>, spec: LabelSpec): EmotionScores {
  if (output.length !== spec.labels.length) {
    throw new Error(
      `classifier '${spec.id}': output has ${output.length} values but the manifest lists ${spec.labels.length} labels`,
    );
  }
  const probs = spec.outputIsProbability ? output : softmax(output);
  const scores = zeroScores();
  spec.labels.forEach((label, i) => {
    const p = probs[i] ?? Number.NaN;
    if (!Number.isFinite(p)) throw new Error(`classifier '${spec.id}': output ${i} (${label}) is ${p}`);
    scores[label] = p;
  });
  return scores;
}

/** The most probable emotion (ties: the first in canonical order). */
export function topEmotion(scores: EmotionScores): { emotion: Emotion; probability: number } {
  let emotion: Emotion = EMOTIONS[0];
  let probability = scores[emotion];
  for (const e of EMOTIONS) {
    if (scores[e] > probability) {
      emotion = e;
      probability = scores[e];
    }
  }
  return { emotion, probability };
}
