/**
 * Turns the user's EMO-AffectNet temporal model into ONNX plus its entry, the same way ./import.ts does for
 * the ResNet-50 (and with its checks): a PyTorch state_dict `FER_dinamic_LSTM_<corpus>.pt` read without
 * executing its pickle, every key and shape checked against ./lstm-architecture.ts (all problems at once),
 * then rebuilt by ./lstm-onnx.ts; or a ready ONNX export, whose input and output are checked and whose bytes
 * are kept. Pure: Uint8Array in, Uint8Array out (../../../shared/MODELS.md section 2).
 */
import { CheckpointError } from '../checkpoint/checkpoint-error.ts';
import { readStateDict, type StateDict } from '../checkpoint/state-dict.ts';
import type { TemporalEntry } from '../ml/manifest.ts';
import { checkParams, FEATURES, NUM_CLASSES } from './architecture.ts';
import { detectFileKind, type ImportOptions } from './import.ts';
import { expectedLstmParams, SAMPLE_FPS, WINDOW } from './lstm-architecture.ts';
import {
  buildEmoAffectNetLstmOnnx,
  LSTM_ONNX_INPUT,
  LSTM_ONNX_LOGITS,
  LSTM_ONNX_PROBABILITIES,
} from './lstm-onnx.ts';
import {
  EMO_AFFECTNET_ID,
  EMO_AFFECTNET_LICENCE,
  EMO_AFFECTNET_SOURCE_LABELS,
  EMO_AFFECTNET_URL,
  emoAffectNetEntry,
} from './manifest-entry.ts';
import { describeValue, isFloatBatchOf, readUserOnnxSignature } from './onnx-signature.ts';

export const EMO_AFFECTNET_LSTM_ID = 'emo-affectnet-lstm';
/** One of the authors' temporal models (one per training corpus), e.g. FER_dinamic_LSTM_Aff-Wild2.pt. */
export const EMO_AFFECTNET_LSTM_FILE_PATTERN = 'FER_dinamic_LSTM_<corpus>.pt';
/** The folder of the authors' files (the same Hugging Face repository as the ResNet-50). */
export const EMO_AFFECTNET_LSTM_SOURCE = EMO_AFFECTNET_URL.replace(/\/resolve\/main\/[^/]+$/, '');

const GET_IT =
  `Use one of the authors' temporal models, ${EMO_AFFECTNET_LSTM_FILE_PATTERN} (e.g. FER_dinamic_LSTM_Aff-Wild2.pt, ` +
  `${EMO_AFFECTNET_LSTM_SOURCE}), or an ONNX export of it.`;

export type TemporalEntryDraft = Omit<TemporalEntry, 'file' | 'sha256' | 'bytes'>;

export interface ImportedTemporalModel {
  onnx: Uint8Array;
  entry: TemporalEntryDraft;
  from: 'pytorch' | 'onnx';
}

export function emoAffectNetLstmEntry(
  names: { input: string; output: string; outputIsProbability: boolean } = {
    input: LSTM_ONNX_INPUT,
    output: LSTM_ONNX_PROBABILITIES,
    outputIsProbability: true,
  },
  maxBatch = 8,
): TemporalEntryDraft {
  const resnet = emoAffectNetEntry('float32');
  return {
    id: EMO_AFFECTNET_LSTM_ID,
    kind: 'temporal',
    featuresOf: EMO_AFFECTNET_ID,
    input: { name: names.input, shape: [1, WINDOW, FEATURES] },
    output: names.output,
    outputIsProbability: names.outputIsProbability,
    window: WINDOW,
    sampleFps: SAMPLE_FPS,
    sourceLabels: [...EMO_AFFECTNET_SOURCE_LABELS],
    labels: resnet.labels,
    maxBatch,
    source: {
      package: EMO_AFFECTNET_LSTM_SOURCE,
      path: EMO_AFFECTNET_LSTM_FILE_PATTERN,
      licence: EMO_AFFECTNET_LICENCE,
    },
    description:
      'EMO-AffectNet temporal model (Ryumina, Dresvyanskiy, Karpov, Neurocomputing 2022): two LSTMs over 10 ' +
      'ResNet-50 features at 5 fps, i.e. the emotion smoothed over 2 s; imported on this machine.',
  };
}

export function importEmoAffectNetLstm(
  bytes: Uint8Array,
  options: Pick<ImportOptions, 'verifyCrc'> = {},
): ImportedTemporalModel {
  if (bytes.length === 0) throw new CheckpointError('format', `The file is empty. ${GET_IT}`);
  switch (detectFileKind(bytes)) {
    case 'pytorch-zip': {
      const stateDict = readStateDict(
        bytes,
        options.verifyCrc === undefined ? {} : { verifyCrc: options.verifyCrc },
      );
      assertLstmArchitecture(stateDict);
      const read = (key: string): Float32Array => stateDict.get(key)!.data as Float32Array;
      return { onnx: buildEmoAffectNetLstmOnnx(read), entry: emoAffectNetLstmEntry(), from: 'pytorch' };
    }
    case 'pytorch-legacy':
      throw new CheckpointError(
        'refused',
        'This is a PyTorch file in the legacy format (before PyTorch 1.6), a bare pickle that is not supported. ' +
          'Re-save it with torch.save(state_dict, path) in PyTorch 1.6 or later, or export ONNX.',
      );
    case 'onnx-or-unknown':
      return importLstmOnnx(bytes);
  }
}

/** Throws one CheckpointError listing every missing key, unexpected key and wrong shape. */
export function assertLstmArchitecture(stateDict: StateDict): void {
  const expected = expectedLstmParams();
  const problems = checkParams(stateDict, expected);
  if (problems.length === 0) return;
  if (stateDict.has('fc1.weight') && stateDict.has('fc2.weight')) {
    // Listing 300-odd keys would hide the one thing to say.
    throw new CheckpointError(
      'mismatch',
      "This is EMO-AffectNet's static ResNet-50 (FER_static_ResNet50_AffectNet.pt), the main model, not its " +
        `temporal LSTM. ${GET_IT}`,
    );
  }
  const hints: string[] = [];
  if ([...stateDict.keys()].some((k) => k.startsWith('module.'))) {
    hints.push(
      'Keys start with "module." (saved from nn.DataParallel): save model.module.state_dict() instead.',
    );
  }
  throw new CheckpointError(
    'mismatch',
    `This checkpoint does not match EMO-AffectNet's temporal LSTM (${stateDict.size} keys found, ${expected.length} expected); ` +
      `${problems.length} problem(s):\n- ${problems.join('\n- ')}\n${hints.map((h) => `${h}\n`).join('')}${GET_IT}`,
  );
}

function importLstmOnnx(bytes: Uint8Array): ImportedTemporalModel {
  const signature = readUserOnnxSignature(bytes, GET_IT);
  const problems: string[] = [];
  const input = signature.inputs[0];
  if (signature.inputs.length !== 1 || !input || !isFloatBatchOf(input, [WINDOW, FEATURES])) {
    problems.push(
      `expected one input float32 [batch, ${WINDOW}, ${FEATURES}], found ${signature.inputs.map(describeValue).join(', ') || 'none'}`,
    );
  }
  const candidates = signature.outputs.filter((o) => isFloatBatchOf(o, [NUM_CLASSES]));
  const output =
    candidates.find((o) => o.name === LSTM_ONNX_PROBABILITIES) ??
    (candidates.length === 1 ? candidates[0] : undefined);
  if (!output) {
    problems.push(
      `expected an output float32 [batch, ${NUM_CLASSES}] (named "${LSTM_ONNX_PROBABILITIES}" when there are several), ` +
        `found ${signature.outputs.map(describeValue).join(', ') || 'none'}`,
    );
  }
  if (problems.length > 0 || !input || !output) {
    throw new CheckpointError(
      'mismatch',
      `This ONNX model is not EMO-AffectNet's temporal LSTM: ${problems.join('; ')}. ${GET_IT}`,
    );
  }
  const batch = input.dims![0];
  if (typeof batch === 'number' && batch > 1) {
    throw new CheckpointError(
      'mismatch',
      `This ONNX export has a fixed batch of ${batch} sequences per call; export it with batch 1 or a dynamic ` +
        `batch axis (torch.onnx.export(..., dynamic_axes={"${input.name}": {0: "batch"}})).`,
    );
  }
  // The authors' forward ends in a softmax, so an export of it gives probabilities; only an output that
  // calls itself logits is taken for logits.
  const entry = emoAffectNetLstmEntry(
    { input: input.name, output: output.name, outputIsProbability: output.name !== LSTM_ONNX_LOGITS },
    typeof batch === 'number' && batch === 1 ? 1 : 8,
  );
  return { onnx: bytes, entry, from: 'onnx' };
}
