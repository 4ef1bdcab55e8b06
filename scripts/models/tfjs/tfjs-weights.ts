/**
 * Reads TensorFlow.js weights: a weights manifest (`*-weights_manifest.json`, or the `weightsManifest` field of a
 * graph model's model.json) plus its .bin shards. Values are decoded exactly as tfjs-core's `io.decodeWeights`
 * does (tfjs-core/src/io/io_utils.ts), so a converted model holds the very floats TensorFlow.js computes with:
 * - uint8/uint16 quantisation: value = q * scale + min, computed in double and stored as float32;
 * - float16 quantisation: the half-precision value, widened exactly;
 * - int32 weights quantised to uint8/uint16: Math.round(q * scale + min).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { float16BitsToFloat32 } from '../../../src/onnx/float16.ts';

export type TfjsQuantizationDtype = 'uint8' | 'uint16' | 'float16';

export interface TfjsQuantization {
  dtype: TfjsQuantizationDtype;
  /** uint8/uint16 only. */
  scale?: number;
  /** uint8/uint16 only. */
  min?: number;
}

/** One entry of a weights manifest group (tfjs-core's WeightsManifestEntry, the parts used here). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: TfjsQuantization;
}

export interface TfjsWeightsGroup {
  paths: string[];
  weights: TfjsWeightSpec[];
}

export type TfjsWeight =
  | {
      name: string;
      shape: number[];
      dtype: 'float32';
      data: Float32Array;
      quantization: TfjsQuantizationDtype | null;
    }
  | {
      name: string;
      shape: number[];
      dtype: 'int32';
      data: Int32Array;
      quantization: TfjsQuantizationDtype | null;
    };

/** Weights by name, in manifest order. */
export type TfjsWeightMap = Map<string, TfjsWeight>;

const QUANTIZED_BYTES: Record<TfjsQuantizationDtype, number> = { uint8: 1, uint16: 2, float16: 2 };
const PLAIN_BYTES: Record<'float32' | 'int32', number> = { float32: 4, int32: 4 };

function elementCount(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Little-endian reads, independent of the buffer's alignment (shards concatenate at any byte offset). */
function readUnsigned(bytes: Uint8Array, offset: number, width: 1 | 2): number {
  const lo = bytes[offset] ?? 0;
  return width === 1 ? lo : lo | ((bytes[offset + 1] ?? 0) << 8);
}

function decodeQuantized(
  spec: TfjsWeightSpec,
  q: TfjsQuantization,
  bytes: Uint8Array,
  offset: number,
): TfjsWeight {
  const count = elementCount(spec.shape);
  const width = QUANTIZED_BYTES[q.dtype] as 1 | 2;
  if (q.dtype === 'float16') {
    if (spec.dtype !== 'float32') {
      throw new Error(
        `TFJS weight "${spec.name}": float16 quantisation needs dtype float32, got ${spec.dtype}`,
      );
    }
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = float16BitsToFloat32(readUnsigned(bytes, offset + i * 2, 2));
    return { name: spec.name, shape: spec.shape, dtype: 'float32', data, quantization: q.dtype };
  }
  const { scale, min } = q;
  if (typeof scale !== 'number' || typeof min !== 'number') {
    throw new Error(`TFJS weight "${spec.name}": ${q.dtype} quantisation needs numeric "scale" and "min"`);
  }
  if (spec.dtype === 'float32') {
    const data = new Float32Array(count);
    // Same expression as tfjs-core: the product and sum happen in double, the store rounds to float32.
    for (let i = 0; i < count; i++) data[i] = readUnsigned(bytes, offset + i * width, width) * scale + min;
    return { name: spec.name, shape: spec.shape, dtype: 'float32', data, quantization: q.dtype };
  }
  if (spec.dtype === 'int32') {
    const data = new Int32Array(count);
    for (let i = 0; i < count; i++)
      data[i] = Math.round(readUnsigned(bytes, offset + i * width, width) * scale + min);
    return { name: spec.name, shape: spec.shape, dtype: 'int32', data, quantization: q.dtype };
  }
  throw new Error(
    `TFJS weight "${spec.name}": quantised weights must be float32 or int32, got ${spec.dtype}`,
  );
}

function decodePlain(spec: TfjsWeightSpec, bytes: Uint8Array, offset: number): TfjsWeight {
  const count = elementCount(spec.shape);
  // A copy into a fresh buffer gives an aligned, independent array whatever the shard offset was.
  const copy = bytes.slice(offset, offset + count * 4);
  const view = new DataView(copy.buffer);
  if (spec.dtype === 'float32') {
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(i * 4, true);
    return { name: spec.name, shape: spec.shape, dtype: 'float32', data, quantization: null };
  }
  const data = new Int32Array(count);
  for (let i = 0; i < count; i++) data[i] = view.getInt32(i * 4, true);
  return { name: spec.name, shape: spec.shape, dtype: 'int32', data, quantization: null };
}

function byteSize(spec: TfjsWeightSpec): number {
  const count = elementCount(spec.shape);
  if (spec.quantization) {
    const width = QUANTIZED_BYTES[spec.quantization.dtype];
    if (width === undefined) {
      throw new Error(
        `TFJS weight "${spec.name}": unknown quantisation dtype "${spec.quantization.dtype}" (expected uint8, uint16 or float16)`,
      );
    }
    return count * width;
  }
  const width = PLAIN_BYTES[spec.dtype as 'float32' | 'int32'];
  if (width === undefined) {
    throw new Error(
      `TFJS weight "${spec.name}": unsupported dtype "${spec.dtype}" (expected float32 or int32)`,
    );
  }
  return count * width;
}

/**
 * Decodes weights laid out back to back in `bytes`, in `specs` order (the concatenation of a manifest's shards,
 * group by group). Throws when the data is shorter or longer than the specs say.
 */
export function decodeWeights(specs: readonly TfjsWeightSpec[], bytes: Uint8Array): TfjsWeightMap {
  const out: TfjsWeightMap = new Map();
  let offset = 0;
  for (const spec of specs) {
    const size = byteSize(spec);
    if (offset + size > bytes.length) {
      throw new Error(
        `TFJS weight "${spec.name}": needs bytes ${offset}..${offset + size} but the weight data has ${bytes.length}`,
      );
    }
    if (out.has(spec.name)) throw new Error(`TFJS weight "${spec.name}" appears twice in the manifest`);
    out.set(
      spec.name,
      spec.quantization
        ? decodeQuantized(spec, spec.quantization, bytes, offset)
        : decodePlain(spec, bytes, offset),
    );
    offset += size;
  }
  if (offset !== bytes.length) {
    throw new Error(`TFJS weights: the specs cover ${offset} bytes but the weight data has ${bytes.length}`);
  }
  return out;
}

/** Reads every shard of every group (paths relative to `baseDir`) and decodes them. */
export async function readWeightGroups(
  groups: readonly TfjsWeightsGroup[],
  baseDir: string,
): Promise<TfjsWeightMap> {
  const shards: Uint8Array[] = [];
  for (const group of groups) {
    for (const shard of group.paths) shards.push(new Uint8Array(await readFile(path.join(baseDir, shard))));
  }
  const total = shards.reduce((n, s) => n + s.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const shard of shards) {
    bytes.set(shard, offset);
    offset += shard.length;
  }
  return decodeWeights(
    groups.flatMap((g) => g.weights),
    bytes,
  );
}

/** Reads a `*-weights_manifest.json` file and the shards next to it. */
export async function readWeightsManifest(manifestPath: string): Promise<TfjsWeightMap> {
  const groups = JSON.parse(await readFile(manifestPath, 'utf8')) as unknown;
  if (!Array.isArray(groups)) throw new Error(`${manifestPath}: expected a JSON array of weight groups`);
  return readWeightGroups(groups as TfjsWeightsGroup[], path.dirname(manifestPath));
}

/** The weight `name` as float32, or an error naming what was expected. */
export function requireFloatWeight(
  weights: TfjsWeightMap,
  name: string,
  shape?: number[],
): TfjsWeight & { dtype: 'float32' } {
  const w = weights.get(name);
  if (!w) throw new Error(`TFJS weights: "${name}" is missing`);
  if (w.dtype !== 'float32') throw new Error(`TFJS weight "${name}": expected float32, got ${w.dtype}`);
  if (shape && (shape.length !== w.shape.length || shape.some((d, i) => d !== w.shape[i]))) {
    throw new Error(
      `TFJS weight "${name}": expected shape [${shape.join(', ')}], got [${w.shape.join(', ')}]`,
    );
  }
  return w;
}
