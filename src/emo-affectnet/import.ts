/**
 * Turns the user's EMO-AffectNet file into an ONNX model plus its manifest entry, on the user's machine:
 * - a PyTorch state_dict (.pt, a ZIP): read without executing its pickle (src/checkpoint), every key and
 *   shape checked against ./architecture.ts (all problems reported at once), then rebuilt as ONNX;
 * - a ready ONNX export of the same model: its input and outputs are checked, the bytes are kept as they are.
 * Same code in the extension and in Node: Uint8Array in, Uint8Array out (../../../shared/MODELS.md section 2).
 */
import { CheckpointError } from '../checkpoint/checkpoint-error.ts';
import { readStateDict, type StateDict } from '../checkpoint/state-dict.ts';
import { checkParams, FEATURES, INPUT_CHANNELS, INPUT_SIZE, NUM_CLASSES } from './architecture.ts';
import {
  type ClassifierEntryDraft,
  EMO_AFFECTNET_FILE_NAME,
  EMO_AFFECTNET_MAX_BATCH,
  EMO_AFFECTNET_URL,
  emoAffectNetEntry,
} from './manifest-entry.ts';
import { describeValue, isFloatBatchOf, ONNX_FLOAT16, readUserOnnxSignature } from './onnx-signature.ts';
import { buildEmoAffectNetOnnx, ONNX_LOGITS, type WeightStorage } from './resnet50-onnx.ts';

export interface ImportOptions {
  /** Weight storage of the ONNX built from a .pt (default 'float32'); ignored for ONNX input. */
  weights?: WeightStorage;
  /** Check the CRC-32 of every entry of a .pt (default true). */
  verifyCrc?: boolean;
}

export interface ImportedModel {
  onnx: Uint8Array;
  entry: ClassifierEntryDraft;
  /** What the user gave: a PyTorch state_dict or an ONNX model. */
  from: 'pytorch' | 'onnx';
  /**
   * The batch dimension: null when symbolic (always so for a model built from a .pt; entry.maxBatch is then
   * EMO_AFFECTNET_MAX_BATCH), 1 when an ONNX export fixed it (entry.maxBatch 1). Exports with a fixed batch
   * of several are refused.
   */
  batchSize: number | null;
}

export type FileKind = 'pytorch-zip' | 'pytorch-legacy' | 'onnx-or-unknown';

const GET_IT = `Use the authors' ${EMO_AFFECTNET_FILE_NAME} (${EMO_AFFECTNET_URL}) or an ONNX export of it.`;

/** By magic number: "PK\x03\x04" is a ZIP (torch.save since 1.6); 0x80 0x02 starts a legacy pickle file. */
export function detectFileKind(bytes: Uint8Array): FileKind {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'pytorch-zip';
  if (bytes[0] === 0x80 && bytes[1] === 0x02) return 'pytorch-legacy';
  return 'onnx-or-unknown';
}

export function importEmoAffectNet(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  if (bytes.length === 0) throw new CheckpointError('format', `The file is empty. ${GET_IT}`);
  switch (detectFileKind(bytes)) {
    case 'pytorch-zip':
      return importPyTorch(bytes, options);
    case 'pytorch-legacy':
      throw new CheckpointError(
        'refused',
        'This is a PyTorch file in the legacy format (before PyTorch 1.6), a bare pickle that is not supported. ' +
          'Re-save it with torch.save(state_dict, path) in PyTorch 1.6 or later, or export ONNX.',
      );
    case 'onnx-or-unknown':
      return importOnnx(bytes);
  }
}

function importPyTorch(bytes: Uint8Array, options: ImportOptions): ImportedModel {
  const stateDict = readStateDict(
    bytes,
    options.verifyCrc === undefined ? {} : { verifyCrc: options.verifyCrc },
  );
  assertArchitecture(stateDict);
  const weights = options.weights ?? 'float32';
  const read = (key: string): Float32Array => stateDict.get(key)!.data as Float32Array;
  return {
    onnx: buildEmoAffectNetOnnx(read, { weights }),
    entry: emoAffectNetEntry(weights),
    from: 'pytorch',
    batchSize: null,
  };
}

/** Throws one CheckpointError listing every missing key, unexpected key and wrong shape. */
export function assertArchitecture(stateDict: StateDict): void {
  const problems = checkParams(stateDict);
  if (problems.length === 0) return;
  if (stateDict.has('lstm1.weight_ih_l0')) {
    throw new CheckpointError(
      'mismatch',
      "This is one of EMO-AffectNet's temporal LSTMs (FER_dinamic_LSTM_<corpus>.pt), which reads the ResNet-50's " +
        `features: give it as the temporal model, next to the ResNet-50. ${GET_IT}`,
    );
  }
  const keys = [...stateDict.keys()];
  const hints: string[] = [];
  if (keys.length > 0 && keys.every((k) => k.startsWith('module.'))) {
    hints.push(
      'Every key starts with "module." (saved from nn.DataParallel): save model.module.state_dict() instead.',
    );
  }
  if (stateDict.has('bn1.weight') && stateDict.has('fc.weight')) {
    hints.push("This looks like torchvision's ResNet-50, a different architecture whose weights do not fit.");
  }
  throw new CheckpointError(
    'mismatch',
    `This checkpoint does not match EMO-AffectNet's ResNet-50 (${stateDict.size} keys found, 322 expected); ` +
      `${problems.length} problem(s):\n- ${problems.join('\n- ')}\n${hints.map((h) => `${h}\n`).join('')}${GET_IT}`,
  );
}

function importOnnx(bytes: Uint8Array): ImportedModel {
  const signature = readUserOnnxSignature(bytes, GET_IT);
  const problems: string[] = [];
  const expectedInput = [INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE];
  if (signature.inputs.length !== 1 || !isFloatBatchOf(signature.inputs[0]!, expectedInput)) {
    problems.push(
      `expected one input float32 [batch, ${expectedInput.join(', ')}] (NCHW, B, G, R), found ${signature.inputs.map(describeValue).join(', ') || 'none'}`,
    );
  }
  const logitsCandidates = signature.outputs.filter((o) => isFloatBatchOf(o, [NUM_CLASSES]));
  const logits =
    logitsCandidates.find((o) => o.name === ONNX_LOGITS) ??
    (logitsCandidates.length === 1 ? logitsCandidates[0] : undefined);
  if (!logits) {
    problems.push(
      `expected an output float32 [batch, ${NUM_CLASSES}] (the logits; named "${ONNX_LOGITS}" when there are several), ` +
        `found ${signature.outputs.map(describeValue).join(', ') || 'none'}`,
    );
  }
  if (problems.length > 0 || !logits) {
    throw new CheckpointError(
      'mismatch',
      `This ONNX model is not EMO-AffectNet's ResNet-50: ${problems.join('; ')}. ${GET_IT}`,
    );
  }
  const features = signature.outputs.find((o) => o !== logits && isFloatBatchOf(o, [FEATURES]));
  const weights: WeightStorage =
    (signature.initializerTypes.get(ONNX_FLOAT16) ?? 0) > 0 ? 'float16' : 'float32';
  const batch = signature.inputs[0]!.dims![0];
  const batchSize = typeof batch === 'number' && batch > 0 ? batch : null;
  if (batchSize !== null && batchSize > 1) {
    // The engine sends 1 face per call to a fixed-batch model; a fixed batch of several cannot take that.
    throw new CheckpointError(
      'mismatch',
      `This ONNX export has a fixed batch of ${batchSize} faces per call; export it with batch 1 or a dynamic ` +
        `batch axis (torch.onnx.export(..., dynamic_axes={"${signature.inputs[0]!.name}": {0: "batch"}})).`,
    );
  }
  const entry = emoAffectNetEntry(
    weights,
    { input: signature.inputs[0]!.name, logits: logits.name, features: features?.name },
    batchSize === null ? EMO_AFFECTNET_MAX_BATCH : 1,
  );
  return { onnx: bytes, entry, from: 'onnx', batchSize };
}
