import type { ModelEntry } from '../../src/ml/manifest.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What each converter returns; build-models.ts adds file, sha256 and bytes and writes the manifest. */
export interface ConvertedModel {
  id: string;
  onnx: Uint8Array;
  entry: DistributiveOmit<ModelEntry, 'file' | 'sha256' | 'bytes'>;
}

/**
 * maxBatch of the bundled classifiers (src/ml/manifest.ts): both convert with a symbolic batch dimension
 * (checked at batch 2 by tests/models/manifest.test.ts). 8 faces per call covers most frames; more run in
 * several calls.
 */
export const CLASSIFIER_MAX_BATCH = 8;
