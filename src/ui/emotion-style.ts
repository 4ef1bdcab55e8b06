/** How each emotion is named and coloured, the same in the page overlay and the popup. */
import type { Emotion } from '../ml/emotions.ts';

export const EMOTION_LABELS: Readonly<Record<Emotion, string>> = {
  neutral: 'Neutral',
  happiness: 'Happiness',
  sadness: 'Sadness',
  surprise: 'Surprise',
  fear: 'Fear',
  disgust: 'Disgust',
  anger: 'Anger',
};

/** Distinct hues that stay readable as white-on-colour labels. */
export const EMOTION_COLORS: Readonly<Record<Emotion, string>> = {
  neutral: '#607d8b',
  happiness: '#ef8f00',
  sadness: '#1e88e5',
  surprise: '#8e24aa',
  fear: '#00897b',
  disgust: '#558b2f',
  anger: '#e53935',
};

export function percent(probability: number): string {
  return `${Math.round(probability * 100)}%`;
}
