/**
 * Builds EMO-AffectNet off the page's main thread: the options page posts the user's file, this worker runs
 * src/emo-affectnet's import (seconds of CPU for a 98 MB checkpoint, which froze the page when it ran there)
 * and posts back the ONNX, transferred, or the error's message (a CheckpointError says what is wrong and
 * where to get the right file). Started by import-in-worker.ts.
 */
import { importEmoAffectNet } from '../emo-affectnet/import.ts';
import type { WorkerReply } from './worker-reply.ts';

/** The worker's global, typed by hand: the project's DOM lib has no WebWorker types. */
const scope = globalThis as unknown as {
  addEventListener(type: 'message', listener: (event: MessageEvent<Uint8Array>) => void): void;
  postMessage(message: WorkerReply, transfer?: Transferable[]): void;
};

scope.addEventListener('message', (event) => {
  try {
    const model = importEmoAffectNet(event.data);
    scope.postMessage({ model }, [model.onnx.buffer]);
  } catch (error) {
    scope.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
