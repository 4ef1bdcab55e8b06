/**
 * TEST SUPPORT ONLY (never imported by product code): writes pickles, stored ZIPs and whole state_dict
 * checkpoints byte by byte, the way torch.save does, so the readers can be tested on hand-made files,
 * including damaged and malicious ones. Pure, like the readers.
 */
import { crc32 } from './crc32.ts';

/** Emits pickle opcodes (pickletools.py names). */
export class PickleWriter {
  private readonly bytes: number[] = [];
  private memo = 0;

  op(code: number, ...args: number[]): this {
    this.bytes.push(code, ...args);
    return this;
  }
  raw(data: ArrayLike<number>): this {
    for (let i = 0; i < data.length; i++) this.bytes.push(data[i]!);
    return this;
  }
  private u32(n: number): number[] {
    return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
  }
  proto(version = 2): this {
    return this.op(0x80, version);
  }
  global(module: string, name: string): this {
    return this.op(0x63).raw(new TextEncoder().encode(`${module}\n${name}\n`));
  }
  mark(): this {
    return this.op(0x28);
  }
  emptyTuple(): this {
    return this.op(0x29);
  }
  tuple(): this {
    return this.op(0x74);
  }
  emptyDict(): this {
    return this.op(0x7d);
  }
  emptyList(): this {
    return this.op(0x5d);
  }
  setitem(): this {
    return this.op(0x73);
  }
  setitems(): this {
    return this.op(0x75);
  }
  append(): this {
    return this.op(0x61);
  }
  reduce(): this {
    return this.op(0x52);
  }
  build(): this {
    return this.op(0x62);
  }
  binpersid(): this {
    return this.op(0x51);
  }
  bool(value: boolean): this {
    return this.op(value ? 0x88 : 0x89);
  }
  none(): this {
    return this.op(0x4e);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.op(0x4b, n);
    if (n >= 0 && n < 65536) return this.op(0x4d, n & 0xff, n >>> 8);
    if (n >= -(2 ** 31) && n < 2 ** 31) return this.op(0x4a, ...this.u32(n));
    // LONG1: little-endian two's complement, 8 bytes.
    const v = BigInt.asUintN(64, BigInt(n));
    return this.op(0x8a, 8, ...Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(8 * i)) & 0xffn)));
  }
  float(x: number): this {
    const buf = new DataView(new ArrayBuffer(8));
    buf.setFloat64(0, x, false);
    return this.op(0x47).raw(new Uint8Array(buf.buffer));
  }
  str(s: string): this {
    const utf8 = new TextEncoder().encode(s);
    return this.op(0x58, ...this.u32(utf8.length)).raw(utf8);
  }
  /** BINPUT the top of the stack into the next memo slot; returns the slot through `slot`. */
  put(slot?: (index: number) => void): this {
    slot?.(this.memo);
    const index = this.memo++;
    return index < 256 ? this.op(0x71, index) : this.op(0x72, ...this.u32(index));
  }
  get(index: number): this {
    return this.op(0x68, index);
  }
  stop(): this {
    return this.op(0x2e);
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

export interface ZipInput {
  name: string;
  data: Uint8Array;
}

/** A ZIP of STORED entries, data aligned to 64 bytes with an extra field, as PyTorch's writer does. */
export function writeStoredZip(
  entries: readonly ZipInput[],
  options: { align?: number; zip64Records?: boolean } = {},
): Uint8Array {
  const align = options.align ?? 64;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const push = (chunk: Uint8Array): void => {
    chunks.push(chunk);
    offset += chunk.length;
  };
  const central: Uint8Array[] = [];
  for (const { name, data } of entries) {
    const nameBytes = new TextEncoder().encode(name);
    const headerEnd = offset + 30 + nameBytes.length;
    // Extra field id 0x4246 ("FB", PyTorch's padding): 4 bytes of header, then padding up to the alignment.
    const extraLength = align > 1 ? 4 + ((align - ((headerEnd + 4) % align)) % align) : 0;
    const local = new Uint8Array(30 + nameBytes.length + extraLength);
    const lv = new DataView(local.buffer);
    const crc = crc32(data);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, data.length, true);
    lv.setUint32(22, data.length, true);
    lv.setUint16(26, nameBytes.length, true);
    lv.setUint16(28, extraLength, true);
    local.set(nameBytes, 30);
    if (extraLength > 0) {
      lv.setUint16(30 + nameBytes.length, 0x4246, true);
      lv.setUint16(32 + nameBytes.length, extraLength - 4, true);
    }
    const localOffset = offset;
    push(local);
    push(data);
    const c = new Uint8Array(46 + nameBytes.length);
    const cv = new DataView(c.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, data.length, true);
    cv.setUint32(24, data.length, true);
    cv.setUint16(28, nameBytes.length, true);
    cv.setUint32(42, localOffset, true);
    c.set(nameBytes, 46);
    central.push(c);
  }
  const cdOffset = offset;
  for (const c of central) push(c);
  const cdSize = offset - cdOffset;
  if (options.zip64Records) {
    // miniz (PyTorch) also writes a ZIP64 end record and locator, even for small archives.
    const record = new Uint8Array(56);
    const rv = new DataView(record.buffer);
    rv.setUint32(0, 0x06064b50, true);
    rv.setBigUint64(4, 44n, true);
    rv.setUint16(12, 45, true);
    rv.setUint16(14, 45, true);
    rv.setBigUint64(24, BigInt(entries.length), true);
    rv.setBigUint64(32, BigInt(entries.length), true);
    rv.setBigUint64(40, BigInt(cdSize), true);
    rv.setBigUint64(48, BigInt(cdOffset), true);
    const recordOffset = offset;
    push(record);
    const locator = new Uint8Array(20);
    const lv = new DataView(locator.buffer);
    lv.setUint32(0, 0x07064b50, true);
    lv.setBigUint64(8, BigInt(recordOffset), true);
    lv.setUint32(16, 1, true);
    push(locator);
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, cdOffset, true);
  push(eocd);
  const out = new Uint8Array(offset);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export interface TestTensor {
  dtype: 'float32' | 'int64';
  shape: readonly number[];
  data: Float32Array | BigInt64Array;
}

/**
 * A state_dict checkpoint laid out like torch.save's: `<archive>/data.pkl` (protocol 2, OrderedDict of
 * _rebuild_tensor_v2 calls with persistent storage ids), `<archive>/data/<n>` and `<archive>/version`.
 */
export function writeStateDictCheckpoint(
  tensors: ReadonlyMap<string, TestTensor>,
  archive = 'archive',
): Uint8Array {
  const p = new PickleWriter()
    .proto(2)
    .global('collections', 'OrderedDict')
    .put()
    .emptyTuple()
    .reduce()
    .put()
    .mark();
  const storages: ZipInput[] = [];
  for (const [key, t] of tensors) {
    const storageKey = String(storages.length);
    storages.push({
      name: `${archive}/data/${storageKey}`,
      data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    });
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1));
    p.str(key).global('torch._utils', '_rebuild_tensor_v2').put().mark();
    p.mark()
      .str('storage')
      .global('torch', t.dtype === 'float32' ? 'FloatStorage' : 'LongStorage')
      .put();
    p.str(storageKey).str('cpu').int(t.data.length).tuple().put().binpersid();
    p.int(0).mark();
    for (const n of t.shape) p.int(n);
    p.tuple().put().mark();
    for (const s of stride) p.int(s);
    p.tuple()
      .put()
      .bool(false)
      .global('collections', 'OrderedDict')
      .put()
      .emptyTuple()
      .reduce()
      .put()
      .tuple()
      .put()
      .reduce()
      .put();
  }
  p.setitems().stop();
  return writeStoredZip([
    { name: `${archive}/data.pkl`, data: p.finish() },
    ...storages,
    { name: `${archive}/version`, data: new TextEncoder().encode('3\n') },
  ]);
}
