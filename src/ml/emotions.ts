/**
 * The 7 canonical emotions of Affect Lens, in the order every result uses.
 * Same names and order as the FER2013 test labels in ../shared/data and EMO-AffectNet's output order
 * (../shared/MODELS.md section 2). Each classifier's own label order comes from models/manifest.json.
 */
export const EMOTIONS = ['neutral', 'happiness', 'sadness', 'surprise', 'fear', 'disgust', 'anger'] as const;
export type Emotion = (typeof EMOTIONS)[number];

/** Probabilities over the 7 canonical emotions, keyed by name. */
export type EmotionScores = Record<Emotion, number>;

export function isEmotion(label: string): label is Emotion {
  return (EMOTIONS as readonly string[]).includes(label);
}
