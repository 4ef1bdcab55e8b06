/** What the import worker (import.worker.ts) posts back to import-in-worker.ts: the built model or the error. */
import type { ImportedModel } from '../emo-affectnet/import.ts';

export type WorkerReply = { model: ImportedModel } | { error: string };
