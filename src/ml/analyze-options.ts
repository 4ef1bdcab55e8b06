/**
 * Defaults and validation of AnalyzeOptions (engine-api.ts). One object, so the values the lead tunes from
 * measurements live in one place. classifierId has no fixed default: it is the manifest's first classifier.
 */
import type { AnalyzeOptions, ClassifyOptions, DetectOptions } from './engine-api.ts';

export const DEFAULT_ANALYZE_OPTIONS: Readonly<Omit<AnalyzeOptions, 'classifierId'>> = Object.freeze({
  /** MediaPipe's min_detection_confidence (../shared/MODELS.md section 1). */
  minScore: 0.5,
  /** MediaPipe's min_suppression_threshold. */
  nmsIoU: 0.3,
  /**
   * Short-range alone finds 13 of the 43 faces of the shared dlib photos; adding full-range finds 42 with no
   * detection on the no-face photos, tiling 42 with detections on 3 of 9 no-face photos
   * (npm run eval -- --boxes ... --negatives ... --small-faces off,full-range,tiling).
   */
  smallFaces: 'full-range',
  largeFaces: true,
  maxFaces: 20,
  /**
   * For a classifier whose manifest entry names no cropMargin of its own (the engine uses that one). Best on
   * FER2013 PublicTest in full mode for face-api (0: 49.5%, 0.1: 53.4%, 0.2: 51.7%, 0.3: 46.4%); also the best
   * for affect-lens-ferplus on FER+ valid (0: 83.0%, 0.1: 83.9%, 0.2: 82.2%, 0.3: 78.7%).
   */
  cropMargin: 0.1,
  uprightCrop: false,
});

const SMALL_FACES: readonly DetectOptions['smallFaces'][] = [
  'off',
  'full-range',
  'tiling',
  'full-range+tiling',
];

/** Throws with the offending option named unless every detect option is in range. */
export function assertDetectOptions(o: DetectOptions): void {
  if (!(o.minScore >= 0 && o.minScore < 1))
    throw new Error(`minScore must be within [0, 1), got ${o.minScore}`);
  if (!(o.nmsIoU >= 0 && o.nmsIoU <= 1)) throw new Error(`nmsIoU must be within [0, 1], got ${o.nmsIoU}`);
  if (!SMALL_FACES.includes(o.smallFaces)) {
    throw new Error(`smallFaces must be one of ${SMALL_FACES.join(', ')}, got '${String(o.smallFaces)}'`);
  }
  if (typeof o.largeFaces !== 'boolean')
    throw new Error(`largeFaces must be true or false, got ${String(o.largeFaces)}`);
  if (!Number.isInteger(o.maxFaces) || o.maxFaces < 1) {
    throw new Error(`maxFaces must be a positive integer, got ${o.maxFaces}`);
  }
}

export function assertClassifyOptions(o: ClassifyOptions): void {
  if (typeof o.classifierId !== 'string' || o.classifierId === '') {
    throw new Error(`classifierId must be a manifest classifier id, got '${String(o.classifierId)}'`);
  }
  if (!Number.isFinite(o.cropMargin) || o.cropMargin <= -0.5) {
    throw new Error(
      `cropMargin must be a finite number above -0.5 (fraction of the box added per side), got ${o.cropMargin}`,
    );
  }
  if (typeof o.uprightCrop !== 'boolean')
    throw new Error(`uprightCrop must be true or false, got ${String(o.uprightCrop)}`);
}

/**
 * base overridden by the defined fields of `partial` (undefined never erases a default). Unknown keys throw:
 * a misspelt option would otherwise be silently ignored.
 */
export function mergeOptions<T extends object>(base: T, partial: Partial<T> | undefined): T {
  const out = { ...base };
  if (partial) {
    for (const key of Object.keys(partial) as (keyof T)[]) {
      if (!Object.prototype.hasOwnProperty.call(base, key)) {
        throw new Error(`unknown option '${String(key)}'; expected one of ${Object.keys(base).join(', ')}`);
      }
      const value = partial[key];
      if (value !== undefined) out[key] = value;
    }
  }
  return out;
}
