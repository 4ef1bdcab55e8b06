/**
 * The EMO-AffectNet ResNet-50 as its authors wrote it (../../../shared/MODELS.md section 2; code names from
 * github.com/ElenaRyumina/EMO-AffectNet): NOT torchvision's ResNet-50. The stem is a 7x7 stride-2 conv with
 * TensorFlow 'SAME' padding, each bottleneck puts its stride on the first 1x1 conv, every BatchNorm has
 * eps 0.001, and the head is fc1 (2048 -> 512) -> ReLU -> fc2 (512 -> 7). The expected state_dict (322 keys,
 * in PyTorch's order) is generated from this description, so the key check and the ONNX graph share it.
 */
import type { TensorDtype } from '../checkpoint/state-dict.ts';

/** BatchNorm epsilon of every BatchNorm in the model (the authors' Keras origin; PyTorch's default is 1e-5). */
export const BN_EPS = 0.001;
export const INPUT_SIZE = 224;
export const INPUT_CHANNELS = 3;
export const STEM_CHANNELS = 64;
export const STEM_KERNEL = 7;
export const STEM_STRIDE = 2;
export const MAX_POOL = { kernel: 3, stride: 2 } as const;
export const EXPANSION = 4;
export const FEATURES = 512;
export const NUM_CLASSES = 7;

export interface StageSpec {
  name: string;
  blocks: number;
  planes: number;
  stride: number;
}

export const STAGES: readonly StageSpec[] = [
  { name: 'layer1', blocks: 3, planes: 64, stride: 1 },
  { name: 'layer2', blocks: 4, planes: 128, stride: 2 },
  { name: 'layer3', blocks: 6, planes: 256, stride: 2 },
  { name: 'layer4', blocks: 3, planes: 512, stride: 2 },
];

export interface BottleneckSpec {
  /** State_dict prefix, e.g. "layer2.0". */
  prefix: string;
  inChannels: number;
  planes: number;
  outChannels: number;
  /** On conv1 (1x1) and on the downsample conv. */
  stride: number;
  /** Only the first block of each stage: `i_downsample.0` (1x1 conv) and `i_downsample.1` (BatchNorm). */
  downsample: boolean;
}

export function bottlenecks(): BottleneckSpec[] {
  const blocks: BottleneckSpec[] = [];
  let inChannels = STEM_CHANNELS;
  for (const stage of STAGES) {
    const outChannels = stage.planes * EXPANSION;
    for (let i = 0; i < stage.blocks; i++) {
      const first = i === 0;
      // The authors' _make_layer adds i_downsample when the stride or the channel count changes.
      const downsample = first && (stage.stride !== 1 || inChannels !== outChannels);
      blocks.push({
        prefix: `${stage.name}.${i}`,
        inChannels,
        planes: stage.planes,
        outChannels,
        stride: first ? stage.stride : 1,
        downsample,
      });
      inChannels = outChannels;
    }
  }
  return blocks;
}

export interface ParamSpec {
  key: string;
  shape: readonly number[];
  dtype: TensorDtype;
}

function conv(key: string, out: number, inp: number, kernel: number): ParamSpec[] {
  return [{ key: `${key}.weight`, shape: [out, inp, kernel, kernel], dtype: 'float32' }];
}

function batchNorm(key: string, channels: number): ParamSpec[] {
  return [
    ...['weight', 'bias', 'running_mean', 'running_var'].map((name): ParamSpec => ({
      key: `${key}.${name}`,
      shape: [channels],
      dtype: 'float32',
    })),
    // PyTorch's int64 counter of training batches: carried by every BatchNorm, unused at inference.
    { key: `${key}.num_batches_tracked`, shape: [], dtype: 'int64' },
  ];
}

export function linear(key: string, out: number, inp: number): ParamSpec[] {
  return [
    { key: `${key}.weight`, shape: [out, inp], dtype: 'float32' },
    { key: `${key}.bias`, shape: [out], dtype: 'float32' },
  ];
}

/** Every state_dict entry of the model, in the order PyTorch writes them (module registration order). */
export function expectedParams(): ParamSpec[] {
  const params = [
    ...conv('conv_layer_s2_same', STEM_CHANNELS, INPUT_CHANNELS, STEM_KERNEL),
    ...batchNorm('batch_norm1', STEM_CHANNELS),
  ];
  for (const b of bottlenecks()) {
    params.push(
      ...conv(`${b.prefix}.conv1`, b.planes, b.inChannels, 1),
      ...batchNorm(`${b.prefix}.batch_norm1`, b.planes),
      ...conv(`${b.prefix}.conv2`, b.planes, b.planes, 3),
      ...batchNorm(`${b.prefix}.batch_norm2`, b.planes),
      ...conv(`${b.prefix}.conv3`, b.outChannels, b.planes, 1),
      ...batchNorm(`${b.prefix}.batch_norm3`, b.outChannels),
    );
    if (b.downsample) {
      params.push(
        ...conv(`${b.prefix}.i_downsample.0`, b.outChannels, b.inChannels, 1),
        ...batchNorm(`${b.prefix}.i_downsample.1`, b.outChannels),
      );
    }
  }
  params.push(
    ...linear('fc1', FEATURES, STAGES[STAGES.length - 1]!.planes * EXPANSION),
    ...linear('fc2', NUM_CLASSES, FEATURES),
  );
  return params;
}

/** What a checkpoint holds for one key: enough to compare against ParamSpec. */
export interface FoundParam {
  shape: readonly number[];
  dtype: string;
}

/**
 * Compares a checkpoint's keys, shapes and dtypes with the architecture and returns EVERY problem (missing
 * keys, unexpected keys, wrong shapes with expected vs actual), so one error can list them all.
 */
export function checkParams(
  found: ReadonlyMap<string, FoundParam>,
  /** The model's parameters (default: the ResNet-50's; ./lstm-architecture.ts has the temporal model's). */
  expected: readonly ParamSpec[] = expectedParams(),
): string[] {
  const problems: string[] = [];
  const expectedKeys = new Set(expected.map((p) => p.key));
  const shape = (s: readonly number[]): string => `[${s.join(', ')}]`;
  const missing = expected.filter((p) => !found.has(p.key));
  if (missing.length > 0) {
    problems.push(
      `missing ${missing.length} key(s): ${missing.map((p) => `${p.key} ${shape(p.shape)}`).join(', ')}`,
    );
  }
  const unexpected = [...found.keys()].filter((k) => !expectedKeys.has(k));
  if (unexpected.length > 0) {
    problems.push(
      `unexpected ${unexpected.length} key(s): ${unexpected.map((k) => `${k} ${shape(found.get(k)!.shape)}`).join(', ')}`,
    );
  }
  for (const p of expected) {
    const f = found.get(p.key);
    if (!f) continue;
    if (f.shape.length !== p.shape.length || f.shape.some((n, i) => n !== p.shape[i])) {
      problems.push(`${p.key}: expected shape ${shape(p.shape)}, found ${shape(f.shape)}`);
    } else if (f.dtype !== p.dtype) {
      problems.push(`${p.key}: expected ${p.dtype}, found ${f.dtype}`);
    }
  }
  return problems;
}
