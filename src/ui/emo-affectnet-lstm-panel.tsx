/**
 * The temporal model on the options page, below the installed ResNet-50: the authors' LSTM over its features
 * ("smoothed over 2 s"), from the same Hugging Face repository and on the same terms; pick the file, see what
 * is installed, Remove.
 */
import { EMO_AFFECTNET_LSTM_FILE_PATTERN, EMO_AFFECTNET_LSTM_SOURCE } from '../emo-affectnet/lstm-import.ts';
import { formatMb } from '../model-install/download.ts';
import type { InstalledTemporalInfo } from '../model-store/user-model-store.ts';
import { ModelOriginRows } from './model-origin-rows.tsx';
import type { EmoAffectNetInstall } from './use-emo-affectnet-install.ts';

function InstalledTemporal({ info, install }: { info: InstalledTemporalInfo; install: EmoAffectNetInstall }) {
  const { entry } = info;
  return (
    <section class="installed" data-testid="lstm-installed">
      <p class="ok">
        Installed. Switch on "Smoothed over 2 s" in the popup's settings while EMO-AffectNet is the
        classifier.
      </p>
      <dl>
        <ModelOriginRows info={info} sourceTestId="lstm-source" />
        <dt>Stored model</dt>
        <dd data-testid="lstm-size">
          ONNX, {formatMb(entry.bytes)}, {entry.window} features at {entry.sampleFps} fps (
          {entry.window / entry.sampleFps} s), built in {(info.buildMs / 1000).toFixed(2)} s
        </dd>
        <dt>Installed</dt>
        <dd>{new Date(info.installedAtMs).toLocaleString()}</dd>
      </dl>
      <div class="actions">
        <button type="button" class="danger" onClick={install.removeTemporal}>
          Remove the temporal model
        </button>
      </div>
    </section>
  );
}

export function EmoAffectNetLstmPanel({ install }: { install: EmoAffectNetInstall }) {
  const { temporal, temporalStep } = install;
  const building = temporalStep.step === 'building';
  return (
    <section class="subpanel" data-testid="emo-lstm" data-step={temporalStep.step}>
      <h3>Temporal model (smoothed over 2 s)</h3>
      <p>
        The authors also publish temporal models, <code>{EMO_AFFECTNET_LSTM_FILE_PATTERN}</code> (one per
        training corpus, 11.6 MB each): two LSTMs that read the ResNet-50's features of a face's last 10
        frames at 5 fps and give one emotion for those 2 seconds, steadier than frame by frame. They come from
        the same Hugging Face repository,{' '}
        <a href={EMO_AFFECTNET_LSTM_SOURCE} target="_blank" rel="noreferrer">
          {EMO_AFFECTNET_LSTM_SOURCE}
        </a>
        , on the same terms (scientific use).
      </p>
      {temporal === undefined && <p>Checking what is installed…</p>}
      {temporal && <InstalledTemporal info={temporal} install={install} />}
      {temporal === null && (
        <label class="pick">
          <span>
            Pick the file: e.g. <code>FER_dinamic_LSTM_Aff-Wild2.pt</code>, or an ONNX export of it
          </span>
          <input
            type="file"
            name="lstm-file"
            accept=".pt,.pth,.onnx"
            disabled={building}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              e.currentTarget.value = '';
              if (file) install.pickTemporalFile(file);
            }}
          />
        </label>
      )}
      {building && (
        <p class="note" data-testid="lstm-building">
          {temporalStep.what}
        </p>
      )}
      {temporalStep.step === 'failed' && (
        <p class="error" data-testid="lstm-error">
          {temporalStep.message}
        </p>
      )}
    </section>
  );
}
