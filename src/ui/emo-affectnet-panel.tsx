/**
 * EMO-AffectNet on the options page: where the weights come from and on what terms, then a download (with
 * progress, cancel, resume) or a file the user already has, and once installed what is stored and Remove.
 */
import {
  EMO_AFFECTNET_FILE_NAME,
  EMO_AFFECTNET_ID,
  EMO_AFFECTNET_SHA256,
  EMO_AFFECTNET_URL,
} from '../emo-affectnet/manifest-entry.ts';
import { formatMb } from '../model-install/download.ts';
import type { InstalledModelInfo } from '../model-store/user-model-store.ts';
import { EmoAffectNetLstmPanel } from './emo-affectnet-lstm-panel.tsx';
import { ModelOriginRows } from './model-origin-rows.tsx';
import type { EmoAffectNetInstall, InstallStep } from './use-emo-affectnet-install.ts';

const REPO = 'ElenaRyumina/face_emotion_recognition';
const REPO_URL = `https://huggingface.co/${REPO}`;
const PAPER_URL = 'https://doi.org/10.1016/j.neucom.2022.10.013';

function Progress({ step }: { step: Extract<InstallStep, { receivedBytes: number }> }) {
  const { receivedBytes, totalBytes } = step;
  return (
    <div class="progress" data-testid="download-progress">
      <progress max={totalBytes ?? undefined} value={totalBytes === null ? undefined : receivedBytes} />
      <span>
        {formatMb(receivedBytes)}
        {totalBytes !== null && ` of ${formatMb(totalBytes)}`}
        {totalBytes !== null && ` (${Math.floor((receivedBytes / totalBytes) * 100)}%)`}
      </span>
    </div>
  );
}

function Installed({ info, install }: { info: InstalledModelInfo; install: EmoAffectNetInstall }) {
  const inUse = install.selected === EMO_AFFECTNET_ID;
  return (
    <section class="installed" data-testid="emo-installed">
      <p class="ok">
        Installed. {inUse ? 'It is the classifier in use.' : 'Choose it as the classifier to use it.'}
      </p>
      <dl>
        <ModelOriginRows info={info} sourceTestId="installed-source">
          {info.sourceSha256 === EMO_AFFECTNET_SHA256 ? ' (the published file, SHA-256 verified)' : ''}
        </ModelOriginRows>
        <dt>Stored model</dt>
        <dd data-testid="installed-size">
          ONNX, {formatMb(info.entry.bytes)} ({info.entry.weights} weights), built in{' '}
          {(info.buildMs / 1000).toFixed(1)} s
        </dd>
        <dt>Installed</dt>
        <dd data-testid="installed-date">{new Date(info.installedAtMs).toLocaleString()}</dd>
      </dl>
      <div class="actions">
        {!inUse && (
          <button type="button" onClick={install.use}>
            Use EMO-AffectNet
          </button>
        )}
        <button type="button" class="danger" onClick={install.remove}>
          Remove{install.temporal ? ' (with the temporal model)' : ''}
        </button>
      </div>
    </section>
  );
}

function InstallControls({ install }: { install: EmoAffectNetInstall }) {
  const { step } = install;
  const busy = step.step === 'downloading' || step.step === 'verifying';
  const building = step.step === 'building';
  return (
    <section class="install">
      <div class="actions">
        {step.step === 'paused' ? (
          <>
            <button type="button" onClick={install.download}>
              Resume download
            </button>
            <button type="button" onClick={install.startOver}>
              Start over
            </button>
          </>
        ) : (
          <button type="button" onClick={install.download} disabled={busy || building}>
            Download from Hugging Face (98.6 MB)
          </button>
        )}
        {step.step === 'downloading' && (
          <button type="button" onClick={install.cancel}>
            Cancel
          </button>
        )}
      </div>
      {(step.step === 'downloading' || step.step === 'paused') && <Progress step={step} />}
      {step.step === 'paused' && (
        <p class="error" data-testid="emo-error">
          {step.message}
        </p>
      )}
      {step.step === 'verifying' && <p class="note">Checking the file's SHA-256…</p>}
      <label class="pick">
        <span>
          Or pick a file you already have: the authors' <code>{EMO_AFFECTNET_FILE_NAME}</code>, or an ONNX
          export of it
        </span>
        <input
          type="file"
          name="model-file"
          accept=".pt,.pth,.onnx"
          disabled={busy || building}
          onChange={(e) => {
            const file = e.currentTarget.files?.[0];
            e.currentTarget.value = '';
            if (file) install.pickFile(file);
          }}
        />
      </label>
      <p class="note">
        A picked file is not checked against the published SHA-256 (an ONNX export cannot be); its
        architecture is checked, and its pickle is read as data, never executed.
      </p>
    </section>
  );
}

export function EmoAffectNetPanel({ install }: { install: EmoAffectNetInstall }) {
  const { installed, step } = install;
  return (
    <section class="panel" data-testid="emo-affectnet" data-step={step.step}>
      <h2>EMO-AffectNet</h2>
      <p>
        A ResNet-50 emotion classifier (7 emotions) by Ryumina, Dresvyanskiy and Karpov (
        <a href={PAPER_URL} target="_blank" rel="noreferrer">
          Neurocomputing 2022
        </a>
        ), trained on AffectNet's photos from the wild: 66.4% on the AffectNet validation set, a harder test
        than the FER+ faces the built-in default is measured on. Much larger and slower (about 4 GFLOPs per
        face).
      </p>
      <p>
        Affect Lens does not include its weights. They come from the authors' Hugging Face repository{' '}
        <a href={REPO_URL} target="_blank" rel="noreferrer">
          {REPO}
        </a>{' '}
        (<code>{EMO_AFFECTNET_FILE_NAME}</code>, 98.6 MB, SHA-256 <code>{EMO_AFFECTNET_SHA256}</code>).
      </p>
      <p class="terms">
        <strong>Terms:</strong> the authors' code is MIT-licensed, but they publish the models for scientific
        use, and the data they were trained on (AffectNet, VGGFace2) is licensed for non-commercial research
        only. Install them only if your use fits those terms.
      </p>
      <p class="note">
        Everything happens on this device: the file is read without running any of its code, converted to ONNX
        here, and stored in this browser's storage for Affect Lens. Nothing is uploaded.
      </p>
      {installed === undefined && <p>Checking what is installed…</p>}
      {installed && <Installed info={installed} install={install} />}
      {installed && <EmoAffectNetLstmPanel install={install} />}
      {installed === null && <InstallControls install={install} />}
      {step.step === 'building' && (
        <p class="note" data-testid="emo-building">
          {step.what}
        </p>
      )}
      {step.step === 'failed' && (
        <p class="error" data-testid="emo-error">
          {step.message}
        </p>
      )}
      <p class="note">Source URL: {EMO_AFFECTNET_URL}</p>
    </section>
  );
}
