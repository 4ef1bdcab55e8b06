/** How analyze prints a face, in both modes (images and --temporal): the text line and the JSON object. */
import type { Face } from '../ml/engine-api.ts';

/** Rounds for output: pixels to 0.1, probabilities and scores to 1e-4. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function formatFaceLine(file: string, face: Face, index: number, count: number): string {
  const { x, y, width, height } = face.box;
  const box = [x, y, width, height].map((v) => Math.round(v)).join(',');
  return `${file}  face ${index + 1}/${count}  box ${box}  score ${face.score.toFixed(2)}  ${face.top.emotion} ${face.top.probability.toFixed(2)}`;
}

export function faceToJson(face: Face): unknown {
  return {
    box: {
      x: round(face.box.x, 1),
      y: round(face.box.y, 1),
      width: round(face.box.width, 1),
      height: round(face.box.height, 1),
    },
    score: round(face.score, 4),
    keypoints: face.keypoints.map((p) => ({ x: round(p.x, 1), y: round(p.y, 1) })),
    emotions: Object.fromEntries(Object.entries(face.emotions).map(([k, v]) => [k, round(v, 4)])),
    top: { emotion: face.top.emotion, probability: round(face.top.probability, 4) },
  };
}
