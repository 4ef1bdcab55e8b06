import { describe, expect, it } from 'vitest';
import { readStateDict } from './state-dict.ts';
import {
  PickleWriter,
  type TestTensor,
  writeStateDictCheckpoint,
  writeStoredZip,
} from './test-checkpoint-writer.ts';
import { CheckpointError } from './checkpoint-error.ts';
import { catchCheckpointError } from './checkpoint-error.test-helper.ts';

const f32 = (...values: number[]): Float32Array => Float32Array.from(values);
const bytesOf = (a: Float32Array | BigInt64Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

const TENSORS = new Map<string, TestTensor>([
  ['conv.weight', { dtype: 'float32', shape: [2, 1, 2, 2], data: f32(1, 2, 3, 4, 5, 6, 7, 8) }],
  ['bn.running_var', { dtype: 'float32', shape: [2], data: f32(0.5, 2) }],
  ['bn.num_batches_tracked', { dtype: 'int64', shape: [], data: BigInt64Array.from([123456789012n]) }],
]);

/** One tensor `t` over storage "0" (float32) with the given offset, size and stride, as torch.save pickles it. */
function tensorPickle(
  entries: { key: string; offset: number; size: number[]; stride: number[]; numel: number }[],
): Uint8Array {
  const p = new PickleWriter().proto().global('collections', 'OrderedDict').emptyTuple().reduce().mark();
  for (const e of entries) {
    p.str(e.key).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark()
      .str('storage')
      .global('torch', 'FloatStorage')
      .str('0')
      .str('cpu')
      .int(e.numel)
      .tuple()
      .binpersid();
    p.int(e.offset).mark();
    for (const n of e.size) p.int(n);
    p.tuple().mark();
    for (const s of e.stride) p.int(s);
    p.tuple().bool(false).global('collections', 'OrderedDict').emptyTuple().reduce().tuple().reduce();
  }
  return p.setitems().stop().finish();
}

function checkpoint(pickle: Uint8Array, storage: Uint8Array, options: { align?: number } = {}): Uint8Array {
  return writeStoredZip(
    [
      { name: 'archive/data.pkl', data: pickle },
      { name: 'archive/data/0', data: storage },
    ],
    options,
  );
}

describe('readStateDict', () => {
  it('reads float32 and int64 tensors, scalars included, in file order, whatever the archive folder is called', () => {
    const sd = readStateDict(writeStateDictCheckpoint(TENSORS, 'FER_static_ResNet50_AffectNet'));
    expect([...sd.keys()]).toEqual([...TENSORS.keys()]);
    for (const [key, t] of TENSORS) {
      expect(sd.get(key), key).toEqual({ dtype: t.dtype, shape: t.shape, data: t.data });
    }
  });

  it('gives views into the checkpoint when the data is aligned, and copies when it is not', () => {
    const aligned = writeStateDictCheckpoint(TENSORS);
    expect(readStateDict(aligned).get('conv.weight')!.data.buffer).toBe(aligned.buffer);
    const storage = bytesOf(f32(9, 8, 7));
    for (const align of [1, 2, 3]) {
      const file = checkpoint(
        tensorPickle([{ key: 't', offset: 1, size: [2], stride: [1], numel: 3 }]),
        storage,
        { align },
      );
      expect(readStateDict(file).get('t')!.data, `align ${align}`).toEqual(f32(8, 7));
    }
  });

  it('reads tensors that share a storage at different offsets', () => {
    const file = checkpoint(
      tensorPickle([
        { key: 'a', offset: 0, size: [2], stride: [1], numel: 5 },
        { key: 'b', offset: 2, size: [3], stride: [1], numel: 5 },
      ]),
      bytesOf(f32(1, 2, 3, 4, 5)),
    );
    const sd = readStateDict(file);
    expect(sd.get('a')!.data).toEqual(f32(1, 2));
    expect(sd.get('b')!.data).toEqual(f32(3, 4, 5));
  });

  it('gathers a strided (transposed) tensor into row-major order', () => {
    // storage [[1, 2, 3], [4, 5, 6]] saved as its transpose: size [3, 2], stride [1, 3].
    const file = checkpoint(
      tensorPickle([{ key: 't', offset: 0, size: [3, 2], stride: [1, 3], numel: 6 }]),
      bytesOf(f32(1, 2, 3, 4, 5, 6)),
    );
    expect(readStateDict(file).get('t')).toEqual({
      dtype: 'float32',
      shape: [3, 2],
      data: f32(1, 4, 2, 5, 3, 6),
    });
  });

  it('refuses a checkpoint whose pickle calls anything else, before reading any tensor', () => {
    const evil = new PickleWriter()
      .proto()
      .global('os', 'system')
      .str('echo pwned')
      .op(0x85)
      .reduce()
      .stop()
      .finish();
    const e = catchCheckpointError(() => readStateDict(checkpoint(evil, new Uint8Array(0))));
    expect(e.kind).toBe('refused');
    expect(e.message).toMatch(
      /^Refused for safety: the pickle asks for the global "os.system" \(GLOBAL at byte 2 of archive\/data.pkl\)/,
    );
    expect(e.message).toContain(
      'Export the weights as a plain state_dict with torch.save(model.state_dict(), path), or as ONNX.',
    );
  });

  it('refuses half-precision storages (not on the allow-list: EMO-AffectNet is float32)', () => {
    const p = new PickleWriter()
      .proto()
      .mark()
      .str('storage')
      .global('torch', 'HalfStorage')
      .str('0')
      .str('cpu')
      .int(1)
      .tuple()
      .binpersid()
      .stop();
    expect(
      catchCheckpointError(() => readStateDict(checkpoint(p.finish(), new Uint8Array(2)))).message,
    ).toContain('asks for the global "torch.HalfStorage"');
  });

  it('refuses a TorchScript archive (it carries code)', () => {
    const file = writeStoredZip([
      { name: 'model/data.pkl', data: new Uint8Array(1) },
      { name: 'model/code/__torch__.py', data: new Uint8Array(1) },
    ]);
    const e = catchCheckpointError(() => readStateDict(file));
    expect(e.kind).toBe('refused');
    expect(e.message).toContain(
      'This is a TorchScript model (torch.jit.save), which contains code, not a state_dict.',
    );
  });

  it.each([
    [
      'a ZIP without data.pkl',
      () => writeStoredZip([{ name: 'photos/cat.jpg', data: new Uint8Array(3) }]),
      'The ZIP has no <name>/data.pkl, so it is not a PyTorch checkpoint. Save the weights with torch.save(model.state_dict(), path).',
    ],
    [
      'a training checkpoint (the state_dict nested in a dict)',
      () =>
        checkpoint(
          new PickleWriter()
            .proto()
            .emptyDict()
            .str('model')
            .emptyDict()
            .setitem()
            .str('epoch')
            .int(3)
            .setitem()
            .stop()
            .finish(),
          new Uint8Array(0),
        ),
      '"model" holds a dict, not a tensor: this looks like a training checkpoint',
    ],
    [
      'a pickle of a list',
      () => checkpoint(new PickleWriter().proto().emptyList().stop().finish(), new Uint8Array(0)),
      'The checkpoint holds a list of 0, not a state_dict',
    ],
    [
      'a storage file of the wrong size',
      () =>
        checkpoint(
          tensorPickle([{ key: 't', offset: 0, size: [2], stride: [1], numel: 2 }]),
          bytesOf(f32(1)),
        ),
      'archive/data/0 has 4 bytes; 2 float32 values need 8. The file is damaged.',
    ],
    [
      'a tensor that reaches past its storage',
      () =>
        checkpoint(
          tensorPickle([{ key: 't', offset: 1, size: [2], stride: [1], numel: 2 }]),
          bytesOf(f32(1, 2)),
        ),
      'Tensor "t" [2] reaches element 2 of storage "0", which has 2. The checkpoint is damaged.',
    ],
    [
      'a missing storage file',
      () =>
        writeStoredZip([
          {
            name: 'archive/data.pkl',
            data: tensorPickle([{ key: 't', offset: 0, size: [1], stride: [1], numel: 1 }]),
          },
        ]),
      'The checkpoint has no archive/data/0, the storage of "t". The file is damaged.',
    ],
    [
      'a big-endian checkpoint',
      () =>
        writeStoredZip([
          { name: 'archive/data.pkl', data: new PickleWriter().proto().emptyDict().stop().finish() },
          { name: 'archive/byteorder', data: new TextEncoder().encode('big') },
        ]),
      'saved on a big-endian machine',
    ],
  ])('refuses %s', (_what, make, message) => {
    expect(catchCheckpointError(() => readStateDict(make())).message).toContain(message);
  });

  it('refuses, before allocating, tensors that repeat a tiny storage to gigabytes (stride 0)', () => {
    // 523 bytes of file, three 20000 x 20000 views of one float: 4.8 GB had it been gathered.
    const evil = tensorPickle(
      ['a', 'b', 'c'].map((key) => ({ key, offset: 0, size: [20000, 20000], stride: [0, 0], numel: 1 })),
    );
    const before = process.memoryUsage().arrayBuffers;
    const e = catchCheckpointError(() => readStateDict(checkpoint(evil, new Uint8Array(4))));
    expect(e.message).toMatch(/would need 1600000000 bytes copied out of a \d+-byte file/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('demands one size per storage: a key named again with a bigger size is refused, not a RangeError', () => {
    const forged = tensorPickle([
      { key: 'a', offset: 0, size: [2], stride: [1], numel: 2 },
      { key: 'b', offset: 0, size: [1000], stride: [1], numel: 1000 },
    ]);
    const e = catchCheckpointError(() => readStateDict(checkpoint(forged, bytesOf(f32(1, 2)))));
    expect(e.message).toMatch(/Storage "0" is named with 2 float32 values and with 1000 float32/);
  });

  it('asks the caller about each shape before reading its values', () => {
    const seen: string[] = [];
    const e = catchCheckpointError(() =>
      readStateDict(writeStateDictCheckpoint(TENSORS), {
        checkShape: (key, shape) => {
          seen.push(key);
          if (key === 'bn.running_var')
            throw new CheckpointError('mismatch', `unexpected shape [${shape.join(', ')}]`);
        },
      }),
    );
    expect(e.message).toBe('unexpected shape [2]');
    expect(seen).toEqual(['conv.weight', 'bn.running_var']);
  });

  it('appends 300 000 items in one APPENDS without overflowing the stack', () => {
    const p = new PickleWriter().proto().emptyList().mark();
    for (let i = 0; i < 300_000; i++) p.op(0x4b, i % 256); // BININT1
    const pickle = p.op(0x65).stop().finish(); // APPENDS
    const e = catchCheckpointError(() => readStateDict(checkpoint(pickle, new Uint8Array(0))));
    expect(e.message).toMatch(/not a state_dict/);
  });
});
