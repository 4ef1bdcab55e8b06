import { describe, expect, it } from 'vitest';
import { ProtobufWriter } from './protobuf-writer.ts';

describe('ProtobufWriter', () => {
  it('writes nested messages with their lengths, chunks joined once (protobuf.dev encoding examples)', () => {
    const w = new ProtobufWriter();
    w.varint(1, 150);
    w.message(3, (m) => m.varint(1, 150).message(2, (inner) => inner.string(2, 'testing')));
    w.bytes(4, Uint8Array.from([1, 2, 3]));
    const testing = Array.from('testing', (c) => c.charCodeAt(0));
    // prettier-ignore
    expect(Array.from(w.finish())).toEqual([
      0x08, 0x96, 0x01, // field 1: varint 150
      0x1a, 0x0e, // field 3: 14 bytes
      0x08, 0x96, 0x01, // . field 1: varint 150
      0x12, 0x09, 0x12, 0x07, ...testing, // . field 2: { field 2: "testing" }
      0x22, 0x03, 1, 2, 3, // field 4: 3 bytes
    ]);
  });

  it('copies bytes fields in finish: the result does not share memory with the input', () => {
    const data = Uint8Array.from([9, 9]);
    const out = new ProtobufWriter().message(1, (m) => m.bytes(2, data)).finish();
    data[0] = 0;
    expect(Array.from(out)).toEqual([0x0a, 0x04, 0x12, 0x02, 9, 9]);
  });
});
