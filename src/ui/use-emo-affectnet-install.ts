/**
 * The EMO-AffectNet install as Preact state: what is installed (from src/model-store), and the steps of an
 * install the user started (asking for the host permission, downloading, checking the SHA-256, building the
 * ONNX), each with a message for people. A cancelled or broken download keeps what arrived: Resume asks for
 * the rest only. The temporal model (the authors' LSTM over the ResNet-50's features) is picked as a file
 * once the ResNet-50 is installed, and goes when the ResNet-50 goes. After a change the background is told,
 * so a running engine reloads its models.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  EMO_AFFECTNET_ID,
  EMO_AFFECTNET_SHA256,
  EMO_AFFECTNET_URL,
} from '../emo-affectnet/manifest-entry.ts';
import { sendMessage } from '../messaging/messenger.ts';
import { createResumableDownload, DownloadError, type ResumableDownload } from '../model-install/download.ts';
import { importInWorker } from '../model-install/import-in-worker.ts';
import { EMO_AFFECTNET_LSTM_ID } from '../emo-affectnet/lstm-import.ts';
import {
  installEmoAffectNet,
  installEmoAffectNetLstm,
  removeEmoAffectNet,
  removeEmoAffectNetLstm,
  verifySha256,
} from '../model-install/install.ts';
import {
  type InstalledModelInfo,
  type InstalledTemporalInfo,
  isClassifierInfo,
  type ModelOrigin,
  openUserModelStore,
} from '../model-store/user-model-store.ts';
import { loadSettings, saveSettings } from '../settings/storage.ts';

export type InstallStep =
  | { step: 'idle' }
  | { step: 'downloading'; receivedBytes: number; totalBytes: number | null }
  /** Cancelled or broken off: Resume continues from receivedBytes. */
  | { step: 'paused'; receivedBytes: number; totalBytes: number | null; message: string }
  | { step: 'verifying' }
  | { step: 'building'; what: string }
  | { step: 'failed'; message: string };

/** The temporal model's own steps: a picked file is built in about 0.1 s, so there is no progress. */
export type TemporalStep =
  { step: 'idle' } | { step: 'building'; what: string } | { step: 'failed'; message: string };

export interface EmoAffectNetInstall {
  /** undefined while the store is read. */
  installed: InstalledModelInfo | null | undefined;
  step: InstallStep;
  download: () => void;
  cancel: () => void;
  /** Forgets a partial download. */
  startOver: () => void;
  pickFile: (file: File) => void;
  remove: () => void;
  use: () => void;
  /** The classifier chosen in the settings (null: the default). */
  selected: string | null | undefined;
  /** The temporal model (undefined while the store is read). */
  temporal: InstalledTemporalInfo | null | undefined;
  temporalStep: TemporalStep;
  pickTemporalFile: (file: File) => void;
  removeTemporal: () => void;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
/** Lets the page paint the new step before a long synchronous build. */
const nextPaint = () => new Promise<void>((resolve) => setTimeout(resolve, 50));

async function notifyEngine(): Promise<void> {
  await sendMessage('userModelsChanged').catch((error: unknown) =>
    console.warn('Affect Lens: could not tell the engine about the new model', error),
  );
}

export function useEmoAffectNetInstall(): EmoAffectNetInstall {
  const [installed, setInstalled] = useState<InstalledModelInfo | null | undefined>(undefined);
  const [step, setStep] = useState<InstallStep>({ step: 'idle' });
  const [selected, setSelected] = useState<string | null | undefined>(undefined);
  const [temporal, setTemporal] = useState<InstalledTemporalInfo | null | undefined>(undefined);
  const [temporalStep, setTemporalStep] = useState<TemporalStep>({ step: 'idle' });
  const downloadRef = useRef<ResumableDownload | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  const refresh = async () => {
    const store = await openUserModelStore();
    try {
      const info = await store.info(EMO_AFFECTNET_ID);
      setInstalled(info && isClassifierInfo(info) ? info : null);
      const lstm = await store.info(EMO_AFFECTNET_LSTM_ID);
      setTemporal(lstm && !isClassifierInfo(lstm) ? lstm : null);
    } finally {
      store.close();
    }
    setSelected((await loadSettings()).classifierId);
  };
  useEffect(() => {
    refresh().catch((error: unknown) => {
      setInstalled(null);
      setTemporal(null);
      setStep({ step: 'failed', message: `Could not read the installed models: ${errorText(error)}` });
    });
  }, []);

  const install = async (bytes: Uint8Array, origin: ModelOrigin, sourceSha256?: string) => {
    setStep({ step: 'building', what: 'Reading the checkpoint and building the model on this device…' });
    await nextPaint();
    const store = await openUserModelStore();
    try {
      const info = await installEmoAffectNet(bytes, origin, {
        store,
        now: () => Date.now(),
        clockMs: () => performance.now(),
        build: importInWorker,
        ...(sourceSha256 ? { sourceSha256 } : {}),
      });
      console.info(
        `Affect Lens: EMO-AffectNet built in ${info.buildMs.toFixed(0)} ms (${info.entry.bytes} bytes ONNX)`,
      );
      setInstalled(info);
      setStep({ step: 'idle' });
    } finally {
      store.close();
    }
    await notifyEngine();
  };

  const runDownload = async () => {
    const download = (downloadRef.current ??= createResumableDownload(EMO_AFFECTNET_URL));
    const controller = new AbortController();
    abortRef.current = controller;
    setStep({ step: 'downloading', ...download.progress });
    try {
      const bytes = await download.run(controller.signal, (p) => setStep({ step: 'downloading', ...p }));
      setStep({ step: 'verifying' });
      const sha = await verifySha256(bytes, EMO_AFFECTNET_SHA256);
      downloadRef.current = null;
      await install(bytes, { kind: 'download', url: EMO_AFFECTNET_URL }, sha);
    } catch (error) {
      const resumable =
        error instanceof DownloadError && error.kind !== 'checksum' && download.progress.receivedBytes > 0;
      if (error instanceof DownloadError && error.kind === 'checksum') downloadRef.current = null;
      setStep(
        resumable
          ? { step: 'paused', ...download.progress, message: error.message }
          : { step: 'failed', message: errorText(error) },
      );
    } finally {
      abortRef.current = null;
    }
  };

  const installTemporal = async (file: File) => {
    const bytes = new Uint8Array(await file.arrayBuffer());
    setTemporalStep({ step: 'building', what: `Reading ${file.name} and building the model…` });
    await nextPaint();
    const store = await openUserModelStore();
    try {
      const info = await installEmoAffectNetLstm(
        bytes,
        { kind: 'file', name: file.name },
        { store, now: () => Date.now(), clockMs: () => performance.now() },
      );
      console.info(
        `Affect Lens: EMO-AffectNet LSTM built in ${info.buildMs.toFixed(0)} ms (${info.entry.bytes} bytes ONNX)`,
      );
      setTemporal(info);
      setTemporalStep({ step: 'idle' });
    } finally {
      store.close();
    }
    await notifyEngine();
  };

  return {
    installed,
    step,
    selected,
    temporal,
    temporalStep,
    pickTemporalFile(file) {
      installTemporal(file).catch((error: unknown) =>
        setTemporalStep({ step: 'failed', message: `${file.name} was not installed: ${errorText(error)}` }),
      );
    },
    removeTemporal() {
      void (async () => {
        const store = await openUserModelStore();
        try {
          await removeEmoAffectNetLstm(store);
        } finally {
          store.close();
        }
        setTemporalStep({ step: 'idle' });
        await refresh();
        await notifyEngine();
      })().catch((error: unknown) =>
        setTemporalStep({ step: 'failed', message: `Could not remove the model: ${errorText(error)}` }),
      );
    },
    download() {
      // No permission is asked: Hugging Face serves its files with CORS, and the extension pages' CSP lets
      // them connect to it (and to its CDN) only.
      void runDownload();
    },
    cancel() {
      abortRef.current?.abort();
    },
    startOver() {
      downloadRef.current?.reset();
      downloadRef.current = null;
      setStep({ step: 'idle' });
    },
    pickFile(file) {
      setStep({ step: 'building', what: `Reading ${file.name}…` });
      file
        .arrayBuffer()
        .then((buffer) => install(new Uint8Array(buffer), { kind: 'file', name: file.name }))
        .catch((error: unknown) =>
          setStep({ step: 'failed', message: `${file.name} was not installed: ${errorText(error)}` }),
        );
    },
    remove() {
      void (async () => {
        const store = await openUserModelStore();
        try {
          await removeEmoAffectNet(store);
        } finally {
          store.close();
        }
        if ((await loadSettings()).classifierId === EMO_AFFECTNET_ID)
          await saveSettings({ classifierId: null });
        setTemporalStep({ step: 'idle' });
        await refresh();
        await notifyEngine();
      })().catch((error: unknown) =>
        setStep({ step: 'failed', message: `Could not remove the model: ${errorText(error)}` }),
      );
    },
    use() {
      saveSettings({ classifierId: EMO_AFFECTNET_ID }).then(
        (s) => setSelected(s.classifierId),
        (error: unknown) => setStep({ step: 'failed', message: errorText(error) }),
      );
    },
  };
}
