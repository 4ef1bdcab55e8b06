import type { ModelEntry } from '../../src/ml/manifest.ts';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What each converter returns; build-models.ts adds file, sha256 and bytes and writes the manifest. */
export interface ConvertedModel {
  id: string;
  onnx: Uint8Array;
  entry: DistributiveOmit<ModelEntry, 'file' | 'sha256' | 'bytes'>;
}
