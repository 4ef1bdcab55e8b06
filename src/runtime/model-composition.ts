/**
 * The one way the engine's models are put together, in the extension (extension-engine.ts: the package's
 * models plus the user's, from IndexedDB) and in Node (node-engine.ts: models/ on disk plus an import held in
 * memory): the bundled manifest, extra classifiers after it (one whose id a bundled model has is left out),
 * temporal models beside it for the backend only (the engine never picks them), and one loader that serves
 * every file from where it lives.
 */
import type { Manifest, ModelEntry, TemporalEntry } from '../ml/manifest.ts';

/** A model that is not one of the bundled files: its entry and where its bytes come from. */
export interface ExtraModel<E extends ModelEntry | TemporalEntry = ModelEntry> {
  entry: E;
  bytes: () => Promise<Uint8Array>;
}

export interface ModelComposition {
  /** What the engine sees: the bundled models, then the extra ones. */
  manifest: Manifest;
  /** What the backend loads: the manifest's models and the temporal models. */
  backendModels: { models: (ModelEntry | TemporalEntry)[] };
  /** The ids of the extra models (optional: one that fails to load is left out with a note). */
  extraIds: Set<string>;
  loadModel: (file: string) => Promise<Uint8Array>;
}

export function composeModels(input: {
  bundled: Manifest;
  /** Bytes of a bundled model's file. */
  readBundled: (file: string) => Promise<Uint8Array>;
  extra?: readonly ExtraModel[];
  temporal?: readonly ExtraModel<TemporalEntry>[];
}): ModelComposition {
  const bundledIds = new Set(input.bundled.models.map((m) => m.id));
  const extra = (input.extra ?? []).filter((m) => !bundledIds.has(m.entry.id));
  const temporal = input.temporal ?? [];
  const manifest: Manifest = {
    ...input.bundled,
    models: [...input.bundled.models, ...extra.map((m) => m.entry)],
  };
  const byFile = new Map([...extra, ...temporal].map((m) => [m.entry.file, m.bytes]));
  return {
    manifest,
    backendModels: { models: [...manifest.models, ...temporal.map((m) => m.entry)] },
    extraIds: new Set(extra.map((m) => m.entry.id)),
    loadModel: (file) => byFile.get(file)?.() ?? input.readBundled(file),
  };
}
