/**
 * src/emo-affectnet's import in a dedicated worker (import.worker.ts), so the options page stays responsive
 * (progress, Cancel) while a checkpoint is read and its ONNX built. One worker per build, ended after it.
 */
import type { ImportedModel } from '../emo-affectnet/import.ts';
// Vite bundles the worker and its imports into a chunk of their own (https://vite.dev/guide/features#web-workers).
import ImportWorker from './import.worker.ts?worker';
import type { WorkerReply } from './worker-reply.ts';

export function importInWorker(bytes: Uint8Array): Promise<ImportedModel> {
  const worker = new ImportWorker({ name: 'emo-affectnet-import' });
  return new Promise<ImportedModel>((resolve, reject) => {
    worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ('model' in reply) resolve(reply.model);
      else reject(new Error(reply.error));
    });
    worker.addEventListener('error', (event) => {
      reject(new Error(`The model builder stopped: ${event.message || 'the worker failed to start'}`));
    });
    // Copied, not transferred: the caller keeps the file (its size, a retry).
    worker.postMessage(bytes);
  }).finally(() => worker.terminate());
}
