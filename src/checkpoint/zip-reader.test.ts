import { describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error.ts';
import { crc32 } from './crc32.ts';
import { writeStoredZip } from './test-checkpoint-writer.ts';
import { readZip } from './zip-reader.ts';

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const ENTRIES = [
  { name: 'archive/data.pkl', data: text('pickle bytes') },
  { name: 'archive/data/0', data: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff) },
  { name: 'archive/version', data: text('3\n') },
];

function formatError(act: () => unknown): string {
  try {
    act();
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as CheckpointError).kind).toBe('format');
    return (error as Error).message;
  }
  throw new Error('expected a CheckpointError');
}

/** Offset of the central directory entry of `name` (tests patch fields there). */
function centralOffset(zip: Uint8Array, name: string): number {
  const needle = text(name);
  for (let at = 0; at + 46 + needle.length <= zip.length; at++) {
    if (zip[at] === 0x50 && zip[at + 1] === 0x4b && zip[at + 2] === 0x01 && zip[at + 3] === 0x02) {
      const n = zip[at + 28]! | (zip[at + 29]! << 8);
      if (n === needle.length && needle.every((b, i) => zip[at + 46 + i] === b)) return at;
    }
  }
  throw new Error(`no central entry ${name}`);
}

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(text('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('readZip', () => {
  it.each([
    ['plain end record', {}],
    ['ZIP64 end record and locator too (as PyTorch writes)', { zip64Records: true }],
    ['no alignment padding', { align: 1 }],
  ])('reads stored entries: %s', (_what, options) => {
    const zip = readZip(writeStoredZip(ENTRIES, options));
    expect(zip.names).toEqual(ENTRIES.map((e) => e.name));
    for (const e of ENTRIES) expect(zip.read(e.name)).toEqual(e.data);
    if (!('align' in options)) expect(zip.entry('archive/data/0')!.dataOffset % 64).toBe(0);
  });

  it('returns views into the input, not copies', () => {
    const bytes = writeStoredZip(ENTRIES);
    expect(readZip(bytes).read('archive/data/0').buffer).toBe(bytes.buffer);
  });

  it('reads an archive whose end record defers to ZIP64 (0xFFFF / 0xFFFFFFFF fields)', () => {
    const bytes = writeStoredZip(ENTRIES, { zip64Records: true });
    const eocd = new DataView(bytes.buffer, bytes.length - 22);
    eocd.setUint16(8, 0xffff, true);
    eocd.setUint16(10, 0xffff, true);
    eocd.setUint32(12, 0xffffffff, true);
    eocd.setUint32(16, 0xffffffff, true);
    expect(readZip(bytes).read('archive/version')).toEqual(text('3\n'));
  });

  it('accepts an archive comment after the end record', () => {
    const bytes = writeStoredZip(ENTRIES);
    const withComment = new Uint8Array(bytes.length + 5);
    withComment.set(bytes);
    withComment.set(text('hello'), bytes.length);
    new DataView(withComment.buffer).setUint16(bytes.length - 2, 5, true);
    expect(readZip(withComment).names).toHaveLength(3);
  });

  it('says which entry is missing', () => {
    expect(formatError(() => readZip(writeStoredZip(ENTRIES)).read('archive/nope'))).toBe(
      'ZIP: the archive has no entry "archive/nope".',
    );
  });

  it.each([
    ['half the file', (z: Uint8Array) => z.subarray(0, z.length >> 1)],
    ['the last byte', (z: Uint8Array) => z.subarray(0, z.length - 1)],
    ['the end record only', (z: Uint8Array) => z.subarray(0, z.length - 22)],
  ])('refuses a truncated file (cut: %s)', (_what, cut) => {
    const message = formatError(() => readZip(cut(writeStoredZip(ENTRIES))));
    expect(message).toMatch(
      /^ZIP: no end-of-central-directory record at the end of the file \(\d+ bytes\)\. The file is truncated or damaged: download or copy it again\.$/,
    );
  });

  it('refuses what is not a ZIP, and files too short to be one', () => {
    expect(formatError(() => readZip(text('definitely not a zip file, just text')))).toContain(
      'does not start with a ZIP local header',
    );
    expect(formatError(() => readZip(text('PK')))).toContain(
      'has only 2 bytes, too short to be a ZIP archive',
    );
  });

  it('refuses a deflated entry, saying PyTorch never writes one', () => {
    const bytes = writeStoredZip(ENTRIES);
    new DataView(bytes.buffer).setUint16(centralOffset(bytes, 'archive/data/0') + 10, 8, true);
    expect(formatError(() => readZip(bytes))).toBe(
      'ZIP: entry "archive/data/0" is compressed (deflate); PyTorch writes every entry uncompressed (stored). ' +
        'The file was probably re-zipped by another tool: use the original .pt file, or re-save it with torch.save().',
    );
  });

  it('refuses an encrypted entry', () => {
    const bytes = writeStoredZip(ENTRIES);
    new DataView(bytes.buffer).setUint16(centralOffset(bytes, 'archive/version') + 8, 1, true);
    expect(formatError(() => readZip(bytes))).toContain('entry "archive/version" is encrypted');
  });

  it('refuses duplicate names', () => {
    expect(formatError(() => readZip(writeStoredZip([ENTRIES[0]!, ENTRIES[0]!])))).toContain(
      'holds "archive/data.pkl" twice',
    );
  });

  it('refuses an entry whose size runs into the central directory', () => {
    const bytes = writeStoredZip(ENTRIES);
    const at = centralOffset(bytes, 'archive/data/0');
    new DataView(bytes.buffer).setUint32(at + 20, 100000, true);
    new DataView(bytes.buffer).setUint32(at + 24, 100000, true);
    expect(formatError(() => readZip(bytes))).toContain(
      'the data of "archive/data/0" (100000 bytes at offset',
    );
  });

  it('refuses a local header offset that points nowhere', () => {
    const bytes = writeStoredZip(ENTRIES);
    new DataView(bytes.buffer).setUint32(centralOffset(bytes, 'archive/version') + 42, 5, true);
    expect(formatError(() => readZip(bytes))).toContain(
      'the local header of "archive/version" (offset 5) is missing',
    );
  });

  it('detects damaged data by CRC-32 on read, unless told not to check', () => {
    const bytes = writeStoredZip(ENTRIES);
    const entry = readZip(bytes).entry('archive/data/0')!;
    bytes[entry.dataOffset + 10]! ^= 0xff;
    expect(formatError(() => readZip(bytes).read('archive/data/0'))).toMatch(
      /^ZIP: entry "archive\/data\/0" is damaged \(CRC-32 0x[0-9a-f]{8}, the directory says 0x[0-9a-f]{8}\)/,
    );
    expect(readZip(bytes, { verifyCrc: false }).read('archive/data/0')[10]).toBe(10 ^ 0xff);
  });
});
