/**
 * The few FlatBuffers read primitives a .tflite file needs, written out by hand so the conversion depends on
 * nothing but the published format (https://flatbuffers.dev/internals/): little-endian, a table starts with an
 * int32 offset back to its vtable, the vtable holds one uint16 offset per field (0 = absent, use the default),
 * and tables, vectors and strings are reached through uint32 offsets relative to where the offset is stored.
 * Every read is bounds-checked: a truncated or corrupt file throws instead of yielding garbage.
 */
export class FlatTable {
  private readonly vtable: number;
  private readonly vtableSize: number;

  constructor(
    private readonly view: DataView,
    readonly pos: number,
    /** Schema table name, only used in error messages. */
    readonly typeName: string,
  ) {
    checkRange(view, pos, 4, typeName);
    this.vtable = pos - view.getInt32(pos, true);
    checkRange(view, this.vtable, 4, `${typeName} vtable`);
    this.vtableSize = view.getUint16(this.vtable, true);
    checkRange(view, this.vtable, this.vtableSize, `${typeName} vtable`);
  }

  /** Reads the root table of a buffer (the uint32 at offset 0 points to it). */
  static root(bytes: Uint8Array, typeName: string): FlatTable {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    checkRange(view, 0, 4, 'root offset');
    return new FlatTable(view, view.getUint32(0, true), typeName);
  }

  /** True when the field is present in this table (its vtable slot is non-zero). */
  has(field: number): boolean {
    return this.fieldPos(field) !== 0;
  }

  /** Absolute byte position of a field's value, or undefined when absent (tests patch files through it). */
  fieldPosition(field: number): number | undefined {
    const p = this.fieldPos(field);
    return p === 0 ? undefined : p;
  }

  int8(field: number, fallback = 0): number {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 1).getInt8(p);
  }

  uint8(field: number, fallback = 0): number {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 1).getUint8(p);
  }

  bool(field: number, fallback = false): boolean {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 1).getUint8(p) !== 0;
  }

  int32(field: number, fallback = 0): number {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 4).getInt32(p, true);
  }

  uint32(field: number, fallback = 0): number {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 4).getUint32(p, true);
  }

  /** A uint64 field, as a bigint so that no value is silently rounded. */
  uint64(field: number, fallback = 0n): bigint {
    const p = this.fieldPos(field);
    return p === 0 ? fallback : this.checked(p, 8).getBigUint64(p, true);
  }

  string(field: number): string | undefined {
    const bytes = this.vectorBytes(field, 1);
    return bytes === undefined ? undefined : new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }

  table(field: number, typeName: string): FlatTable | undefined {
    const p = this.fieldPos(field);
    if (p === 0) return undefined;
    return new FlatTable(this.view, this.deref(p), typeName);
  }

  tables(field: number, typeName: string): FlatTable[] {
    const vec = this.vector(field, 4);
    if (vec === undefined) return [];
    const out: FlatTable[] = [];
    for (let i = 0; i < vec.length; i++)
      out.push(new FlatTable(this.view, this.deref(vec.start + 4 * i), typeName));
    return out;
  }

  int32s(field: number): number[] | undefined {
    const vec = this.vector(field, 4);
    if (vec === undefined) return undefined;
    const out: number[] = [];
    for (let i = 0; i < vec.length; i++) out.push(this.view.getInt32(vec.start + 4 * i, true));
    return out;
  }

  /** A [ubyte] vector as a view into the file (no copy). */
  bytes(field: number): Uint8Array | undefined {
    return this.vectorBytes(field, 1);
  }

  private vectorBytes(field: number, elemSize: number): Uint8Array | undefined {
    const vec = this.vector(field, elemSize);
    if (vec === undefined) return undefined;
    return new Uint8Array(this.view.buffer, this.view.byteOffset + vec.start, vec.length * elemSize);
  }

  private vector(field: number, elemSize: number): { start: number; length: number } | undefined {
    const p = this.fieldPos(field);
    if (p === 0) return undefined;
    const at = this.deref(p);
    checkRange(this.view, at, 4, `${this.typeName} field ${field} vector length`);
    const length = this.view.getUint32(at, true);
    checkRange(this.view, at + 4, length * elemSize, `${this.typeName} field ${field} vector`);
    return { start: at + 4, length };
  }

  /** Follows the uint32 offset stored at `p` (relative to p). */
  private deref(p: number): number {
    return p + this.checked(p, 4).getUint32(p, true);
  }

  /** Absolute position of a field's value, or 0 when the field is absent. */
  private fieldPos(field: number): number {
    const slot = 4 + 2 * field;
    if (slot + 2 > this.vtableSize) return 0;
    const rel = this.view.getUint16(this.vtable + slot, true);
    return rel === 0 ? 0 : this.pos + rel;
  }

  private checked(p: number, size: number): DataView {
    checkRange(this.view, p, size, this.typeName);
    return this.view;
  }
}

function checkRange(view: DataView, at: number, size: number, what: string): void {
  if (!Number.isInteger(at) || at < 0 || size < 0 || at + size > view.byteLength) {
    throw new Error(
      `FlatBuffer: ${what} at byte ${at} (+${size}) lies outside the ${view.byteLength}-byte file; the file is truncated or not a TFLite model`,
    );
  }
}
