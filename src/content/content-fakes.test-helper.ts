/** What the content tests share: a content context on the window's timers, and a happy face. */
import type { Face } from '../ml/engine-api.ts';
import type { ContentContext } from './content-context.ts';

/** Always valid; animation frames are window timers (happy-dom paints nothing). */
export const timerContext: ContentContext = {
  signal: new AbortController().signal,
  isValid: true,
  requestAnimationFrame: (cb) => window.setTimeout(() => cb(0), 0),
  setTimeout: (handler, ms) => window.setTimeout(handler, ms),
  setInterval: (handler, ms) => window.setInterval(handler, ms),
  onInvalidated: () => () => undefined,
};

/** A face at (100, 50), 40 px, 70% happiness. */
export const happyFace: Face = {
  box: { x: 100, y: 50, width: 40, height: 40 },
  score: 0.9,
  keypoints: [],
  emotions: {
    neutral: 0.1,
    happiness: 0.7,
    sadness: 0.05,
    surprise: 0.05,
    fear: 0.04,
    disgust: 0.03,
    anger: 0.03,
  },
  top: { emotion: 'happiness', probability: 0.7 },
};
