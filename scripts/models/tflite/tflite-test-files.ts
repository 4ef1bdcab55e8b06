/** The pinned MediaPipe .tflite files, for the unit tests next to the reader (test-only helper). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export type MediapipeFile =
  | 'face_detection_short_range.tflite'
  | 'face_detection_full_range.tflite'
  | 'face_detection_full_range_sparse.tflite';

export function readMediapipeFile(file: MediapipeFile): Uint8Array {
  const require = createRequire(import.meta.url);
  const dir = path.dirname(require.resolve('@mediapipe/face_detection/package.json'));
  return new Uint8Array(readFileSync(path.join(dir, file)));
}
