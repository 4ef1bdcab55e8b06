import { describe, expect, it } from 'vitest';
import { assertPreprocessSpec, allocateInput, preprocessImage } from '../ml/classifier-preprocess.ts';
import { EMOTIONS } from '../ml/emotions.ts';
import { emoAffectNetEntry } from './manifest-entry.ts';

describe('emoAffectNetEntry', () => {
  const entry = emoAffectNetEntry('float32');

  it("carries the authors' preprocessing, with the means in B, G, R order", () => {
    expect(entry.preprocessing).toEqual({
      color: 'bgr',
      fit: 'stretch',
      resize: 'nearest',
      coordinateTransform: 'half_pixel',
      scale: 1,
      mean: [91.4953, 103.8827, 131.0912],
      std: [1, 1, 1],
    });
    expect(() => assertPreprocessSpec(entry)).not.toThrow();
  });

  it('lists the labels in output order, which is also the canonical order', () => {
    expect(entry.sourceLabels).toEqual([
      'Neutral',
      'Happiness',
      'Sadness',
      'Surprise',
      'Fear',
      'Disgust',
      'Anger',
    ]);
    expect(entry.labels).toEqual([...EMOTIONS]);
    expect(entry.outputIsProbability).toBe(false);
    expect(entry.output).toBe('logits');
  });

  it('names its source and says the weights are not bundled', () => {
    expect(entry.source).toEqual({
      package:
        'https://huggingface.co/ElenaRyumina/face_emotion_recognition/resolve/main/FER_static_ResNet50_AffectNet.pt',
      path: 'FER_static_ResNet50_AffectNet.pt',
      licence: 'weights for scientific use; not bundled',
    });
  });

  it("makes src/ml preprocessing compute the authors' tensor: NEAREST (Pillow's pixel centres), BGR, minus the means", () => {
    // A 5x3 RGBA image with distinct values; stretched to 224x224.
    const width = 5;
    const height = 3;
    const data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) data.set([i * 10, 100 + i, 250 - i * 7, 255], i * 4);
    const out = allocateInput(entry);
    preprocessImage({ width, height, data }, entry, out);
    const means = [91.4953, 103.8827, 131.0912];
    let maxDiff = 0;
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 224; y++) {
        for (let x = 0; x < 224; x++) {
          // Pillow NEAREST: source index floor((i + 0.5) * in / out); channel c of BGR is RGB channel 2 - c.
          const sx = Math.floor(((x + 0.5) * width) / 224);
          const sy = Math.floor(((y + 0.5) * height) / 224);
          const expected = Math.fround(data[(sy * width + sx) * 4 + (2 - c)]! - means[c]!);
          maxDiff = Math.max(maxDiff, Math.abs(out[c * 224 * 224 + y * 224 + x]! - expected));
        }
      }
    }
    expect(maxDiff).toBeLessThan(1e-4);
  });
});
