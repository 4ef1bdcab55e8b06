/**
 * Reads a PyTorch state_dict saved with `torch.save(model.state_dict(), path)` (the ZIP format of
 * PyTorch >= 1.6) into named float32/int64 tensors, without Python and without executing the pickle:
 * `<archive>/data.pkl` is interpreted by the data-only safe-unpickler with the allow-list below, and each
 * tensor's bytes come from `<archive>/data/<storage key>`. The archive folder is the file's base name as
 * it was saved (often "archive", but e.g. "FER_static_ResNet50_AffectNet"), so it is found, not assumed.
 * Serialisation: https://github.com/pytorch/pytorch/blob/v1.13.1/torch/serialization.py (`_save`,
 * `persistent_id`) and torch/_utils.py (`_rebuild_tensor_v2`). Pure: no DOM, no Node APIs.
 *
 * Why one file: the allow-list, the storage references and the tensor reader share one set of invariants
 * (one size per storage, every view inside its storage, copies bounded by the file); split, each part would
 * have to re-establish them.
 */
import { CheckpointError } from './checkpoint-error.ts';
import {
  type AllowedGlobal,
  describePickleValue,
  PickleDict,
  PickleGlobal,
  PickleOpaque,
  type PickleTuple,
  type PickleValue,
  unpickle,
} from './safe-unpickler.ts';
import { readZip, type ZipReadOptions } from './zip-reader.ts';

export type TensorDtype = 'float32' | 'int64';

export interface StateDictTensor {
  readonly dtype: TensorDtype;
  readonly shape: readonly number[];
  /**
   * Row-major values. Contiguous tensors whose bytes are suitably aligned (PyTorch aligns storages to 64
   * bytes) are views into the checkpoint bytes, not copies: do not modify them.
   */
  readonly data: Float32Array | BigInt64Array;
}

/** Tensors by key, in the file's order. */
export type StateDict = ReadonlyMap<string, StateDictTensor>;

/**
 * Storage classes a state_dict may name. FloatStorage holds the weights; LongStorage holds every
 * BatchNorm's int64 `num_batches_tracked` counter, which `state_dict()` always includes (measured with
 * torch 1.13: the pickle names both). Half/double storages are refused: EMO-AffectNet is float32.
 */
const STORAGE_TYPES = new Map<string, { dtype: TensorDtype; itemSize: number }>([
  ['torch.FloatStorage', { dtype: 'float32', itemSize: 4 }],
  ['torch.LongStorage', { dtype: 'int64', itemSize: 8 }],
]);

interface StorageRef {
  key: string;
  dtype: TensorDtype;
  itemSize: number;
  numel: number;
}

interface TensorRef {
  storage: StorageRef;
  offset: number;
  shape: number[];
  stride: number[];
}

const REFUSAL_HINT =
  'Export the weights as a plain state_dict with torch.save(model.state_dict(), path), or as ONNX.';

function formatError(message: string): never {
  throw new CheckpointError('format', message);
}

const isTupleOfInts = (v: PickleValue): v is readonly number[] =>
  Array.isArray(v) && Object.isFrozen(v) && v.every((x) => Number.isSafeInteger(x) && (x as number) >= 0);

/** A value for a message: strings and numbers as they are, anything else by its type. */
const show = (v: PickleValue | undefined): string =>
  v === undefined
    ? 'nothing'
    : typeof v === 'string' || typeof v === 'number'
      ? JSON.stringify(v)
      : describePickleValue(v);

/** persistent_id of a storage: ('storage', storage_type, key, location, numel). */
function loadStorage(pid: PickleValue): PickleOpaque<StorageRef> {
  if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage') {
    formatError(
      `Pickle: a persistent id is a ${describePickleValue(pid)}, not PyTorch's ('storage', type, key, location, numel).`,
    );
  }
  const [, type, key, location, numel] = pid as PickleTuple;
  if (!(type instanceof PickleGlobal))
    formatError(`Pickle: a storage type is a ${describePickleValue(type!)}, not a storage class.`);
  const storageType = STORAGE_TYPES.get(type.qualifiedName);
  if (!storageType) formatError(`Pickle: storage type ${type.qualifiedName} is not supported.`);
  if (typeof key !== 'string' || !/^[\w.-]+$/.test(key) || typeof location !== 'string') {
    formatError(`Pickle: storage key ${show(key)} or location ${show(location)} is not valid.`);
  }
  if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
    formatError(`Pickle: storage "${key}" has an invalid element count ${show(numel)}.`);
  }
  return new PickleOpaque('storage', { key, numel, ...storageType });
}

/** torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata]). */
function rebuildTensor(args: PickleTuple): PickleOpaque<TensorRef> {
  const [storage, offset, size, stride, requiresGrad, hooks] = args;
  const bad = (what: string): never =>
    formatError(
      `Pickle: _rebuild_tensor_v2 got ${what}; the file is not a state_dict that torch.save wrote.`,
    );
  if (args.length < 6 || args.length > 7) bad(`${args.length} arguments instead of 6 or 7`);
  if (!(storage instanceof PickleOpaque) || storage.kind !== 'storage')
    return bad('a storage that is not a storage');
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    return bad('an invalid storage offset');
  if (!isTupleOfInts(size!) || !isTupleOfInts(stride!) || size.length !== stride.length)
    return bad('an invalid size or stride');
  if (typeof requiresGrad !== 'boolean') return bad('a requires_grad that is not a bool');
  // Backward hooks would be functions: a non-empty dict could only come from a model object, not a state_dict.
  if (!(hooks instanceof PickleDict) || hooks.size !== 0) return bad('backward hooks');
  return new PickleOpaque('tensor', {
    storage: storage.value as StorageRef,
    offset,
    shape: [...size],
    stride: [...stride],
  });
}

/** The explicit allow-list: the only globals a state_dict's pickle may name, implemented here as data. */
export const STATE_DICT_GLOBALS: ReadonlyMap<string, AllowedGlobal> = new Map<string, AllowedGlobal>([
  [
    'collections.OrderedDict',
    {
      call: (args) => {
        if (args.length !== 0)
          formatError('Pickle: OrderedDict is built with arguments; torch.save never does that.');
        return new PickleDict();
      },
    },
  ],
  ['torch._utils._rebuild_tensor_v2', { call: rebuildTensor }],
  ...[...STORAGE_TYPES.keys()].map((name): [string, AllowedGlobal] => [name, {}]),
]);

/** Finds the archive folder: the one holding data.pkl at the top level. */
function archivePrefix(names: readonly string[]): string {
  const pickles = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pickles.length !== 1) {
    formatError(
      pickles.length === 0
        ? 'The ZIP has no <name>/data.pkl, so it is not a PyTorch checkpoint. Save the weights with torch.save(model.state_dict(), path).'
        : `The ZIP holds ${pickles.length} data.pkl files (${pickles.join(', ')}); a PyTorch checkpoint has exactly one.`,
    );
  }
  return pickles[0]!.slice(0, -'data.pkl'.length);
}

function isContiguous(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    // A dimension of size 1 may carry any stride.
    if (shape[d]! !== 1 && stride[d]! !== expected) return false;
    expected *= shape[d]!;
  }
  return true;
}

function typedArray(
  dtype: TensorDtype,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): Float32Array | BigInt64Array {
  return dtype === 'float32'
    ? new Float32Array(buffer, byteOffset, length)
    : new BigInt64Array(buffer, byteOffset, length);
}

function materialise(key: string, ref: TensorRef, storageBytes: Uint8Array): StateDictTensor {
  const { storage, offset, shape, stride } = ref;
  const count = shape.reduce((a, b) => a * b, 1);
  const lastIndex =
    count === 0 ? offset - 1 : offset + shape.reduce((sum, n, d) => sum + (n - 1) * stride[d]!, 0);
  if (lastIndex >= storage.numel) {
    formatError(
      `Tensor "${key}" [${shape.join(', ')}] reaches element ${lastIndex} of storage "${storage.key}", which has ${storage.numel}. The checkpoint is damaged.`,
    );
  }
  const itemSize = storage.itemSize;
  if (isContiguous(shape, stride)) {
    const start = storageBytes.byteOffset + offset * itemSize;
    if (start % itemSize === 0)
      return {
        dtype: storage.dtype,
        shape,
        data: typedArray(storage.dtype, storageBytes.buffer, start, count),
      };
    const copy = storageBytes.slice(offset * itemSize, (offset + count) * itemSize);
    return { dtype: storage.dtype, shape, data: typedArray(storage.dtype, copy.buffer, 0, count) };
  }
  // Strided (e.g. a transposed view saved as is): gather element by element in row-major order.
  const aligned = storageBytes.byteOffset % itemSize === 0 ? storageBytes : storageBytes.slice();
  const source = typedArray(storage.dtype, aligned.buffer, aligned.byteOffset, storage.numel);
  const data = typedArray(storage.dtype, new ArrayBuffer(count * itemSize), 0, count);
  const index = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < count; i++) {
    let at = offset;
    for (let d = 0; d < shape.length; d++) at += index[d]! * stride[d]!;
    // Both arrays have the same element type (float32 or int64).
    (data as Float32Array)[i] = (source as Float32Array)[at]!;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++index[d]! < shape[d]!) break;
      index[d] = 0;
    }
  }
  return { dtype: storage.dtype, shape, data };
}

export interface StateDictReadOptions extends ZipReadOptions {
  /**
   * Called with each tensor's key and shape before any of its values are read or copied: a caller that
   * knows the architecture throws (a CheckpointError) for a key or shape it does not expect, so nothing is
   * allocated for it.
   */
  checkShape?: (key: string, shape: readonly number[]) => void;
}

/**
 * The most bytes the tensors may take beyond the file's own, as a multiple of the file's size: contiguous
 * tensors are views of the file, and strided ones are copied, so a state_dict that torch.save wrote never
 * needs more than the file again. A crafted file whose tensors repeat one small storage (stride 0) to
 * gigabytes is refused before anything is allocated.
 */
export const MAX_COPY_FACTOR = 2;

/** Reads every tensor of a state_dict checkpoint. Throws CheckpointError with a message for the user. */
export function readStateDict(bytes: Uint8Array, options: StateDictReadOptions = {}): StateDict {
  try {
    return readStateDictUnchecked(bytes, options);
  } catch (error) {
    if (error instanceof CheckpointError) throw error;
    // Anything else (a RangeError of a typed array, a stack overflow) is a damaged or hostile file too.
    throw new CheckpointError(
      'format',
      `The checkpoint could not be read (${error instanceof Error ? error.message : String(error)}). The file is damaged or is not a state_dict.`,
    );
  }
}

function readStateDictUnchecked(bytes: Uint8Array, options: StateDictReadOptions): StateDict {
  const zip = readZip(bytes, options);
  const prefix = archivePrefix(zip.names);
  const outside = zip.names.filter((n) => !n.startsWith(prefix));
  if (outside.length > 0)
    formatError(
      `The checkpoint holds files outside its folder "${prefix}": ${outside.slice(0, 3).join(', ')}.`,
    );
  if (zip.has(`${prefix}constants.pkl`) || zip.names.some((n) => n.startsWith(`${prefix}code/`))) {
    throw new CheckpointError(
      'refused',
      'This is a TorchScript model (torch.jit.save), which contains code, not a state_dict. ' + REFUSAL_HINT,
    );
  }
  const byteOrder = zip.has(`${prefix}byteorder`)
    ? new TextDecoder().decode(zip.read(`${prefix}byteorder`))
    : 'little';
  if (byteOrder !== 'little')
    formatError(
      `The checkpoint was saved on a ${byteOrder}-endian machine; only little-endian files are supported.`,
    );

  const root = unpickle(zip.read(`${prefix}data.pkl`), {
    globals: STATE_DICT_GLOBALS,
    persistentLoad: loadStorage,
    source: `${prefix}data.pkl`,
    refusalHint: REFUSAL_HINT,
  });
  if (!(root instanceof PickleDict)) {
    formatError(
      `The checkpoint holds a ${describePickleValue(root)}, not a state_dict (a dict of tensors). ${REFUSAL_HINT}`,
    );
  }

  const storages = new Map<string, { ref: StorageRef; bytes: Uint8Array }>();
  const tensors = new Map<string, StateDictTensor>();
  const copyBudget = MAX_COPY_FACTOR * bytes.byteLength;
  let copied = 0;
  for (const [key, value] of root) {
    if (typeof key !== 'string')
      formatError(`The state_dict has a key of type ${describePickleValue(key)}; keys are parameter names.`);
    if (!(value instanceof PickleOpaque) || value.kind !== 'tensor') {
      formatError(
        `"${key}" holds a ${describePickleValue(value)}, not a tensor: this looks like a training checkpoint ` +
          `(a dict with the state_dict inside), not a state_dict. ${REFUSAL_HINT}`,
      );
    }
    const ref = value.value as TensorRef;
    options.checkShape?.(key, ref.shape);
    const count = ref.shape.reduce((a, b) => a * b, 1);
    if (!Number.isSafeInteger(count))
      formatError(`Tensor "${key}" [${ref.shape.join(', ')}] has more elements than any file can hold.`);
    const known = storages.get(ref.storage.key);
    // One storage, one size and type: a second tensor that names the key with another size is forged.
    if (known && (known.ref.numel !== ref.storage.numel || known.ref.dtype !== ref.storage.dtype)) {
      formatError(
        `Storage "${ref.storage.key}" is named with ${known.ref.numel} ${known.ref.dtype} values and with ${ref.storage.numel} ${ref.storage.dtype}. The file is damaged.`,
      );
    }
    let storageBytes = known?.bytes;
    if (!storageBytes) {
      const name = `${prefix}data/${ref.storage.key}`;
      if (!zip.has(name))
        formatError(`The checkpoint has no ${name}, the storage of "${key}". The file is damaged.`);
      storageBytes = zip.read(name);
      const expected = ref.storage.numel * ref.storage.itemSize;
      if (storageBytes.length !== expected) {
        formatError(
          `${name} has ${storageBytes.length} bytes; ${ref.storage.numel} ${ref.storage.dtype} values need ${expected}. The file is damaged.`,
        );
      }
      storages.set(ref.storage.key, { ref: ref.storage, bytes: storageBytes });
    }
    // Everything but an aligned contiguous view is a copy: bounded by the file's size.
    const copyBytes = isContiguous(ref.shape, ref.stride) ? 0 : count * ref.storage.itemSize;
    if (copied + copyBytes > copyBudget) {
      formatError(
        `Tensor "${key}" [${ref.shape.join(', ')}] would need ${copyBytes} bytes copied out of a ${bytes.byteLength}-byte file; a state_dict never needs that. The file is damaged or forged.`,
      );
    }
    copied += copyBytes;
    tensors.set(key, materialise(key, ref, storageBytes));
  }
  return tensors;
}
