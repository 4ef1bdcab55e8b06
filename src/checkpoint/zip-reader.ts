/**
 * Reads the ZIP container of a PyTorch checkpoint (`torch.save`, PyTorch >= 1.6): `<name>/data.pkl`, the
 * raw tensor storages `<name>/data/<key>`, `<name>/version`... PyTorch (miniz) writes every entry STORED
 * (uncompressed, data aligned to 64 bytes), so only stored entries are supported: a deflated entry means the
 * file was re-zipped by another tool and is refused with a message saying so. Entries are views into the
 * input (no copy); each entry's CRC-32 is checked the first time it is read.
 * Format: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT (4.3.7 local header, 4.3.12 central
 * directory, 4.3.14-16 ZIP64 and end of central directory). Pure: no DOM, no Node APIs.
 */
import { CheckpointError } from './checkpoint-error.ts';
import { crc32 } from './crc32.ts';

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIZE = 20;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
const ZIP64_EXTRA_ID = 0x0001;

const METHOD_NAMES: Record<number, string> = {
  8: 'deflate',
  9: 'deflate64',
  12: 'bzip2',
  14: 'lzma',
  93: 'zstd',
};

export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  readonly crc32: number;
  /** Offset of the entry's data in the archive bytes. */
  readonly dataOffset: number;
}

export interface ZipReadOptions {
  /** Check each entry's CRC-32 on first read (default true; costs about 1 s per 100 MB here). */
  verifyCrc?: boolean;
}

export interface ZipArchive {
  /** Entry names in central-directory order. */
  readonly names: readonly string[];
  has(name: string): boolean;
  entry(name: string): ZipEntry | undefined;
  /** The entry's bytes, a view into the archive (do not modify). */
  read(name: string): Uint8Array;
}

function fail(message: string): never {
  throw new CheckpointError('format', message);
}

const TRUNCATED_HINT = 'The file is truncated or damaged: download or copy it again.';

/** Opens a ZIP archive held in memory; validates the whole central directory up front. */
export function readZip(bytes: Uint8Array, options: ZipReadOptions = {}): ZipArchive {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number): number => view.getUint16(at, true);
  const u32 = (at: number): number => view.getUint32(at, true);
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      fail(`ZIP: a 64-bit size or offset (${value}) is out of range. ${TRUNCATED_HINT}`);
    return Number(value);
  };

  if (bytes.length < EOCD_SIZE)
    fail(`ZIP: the file has only ${bytes.length} bytes, too short to be a ZIP archive. ${TRUNCATED_HINT}`);
  if (u32(0) !== SIG_LOCAL)
    fail(
      'ZIP: the file does not start with a ZIP local header ("PK\\x03\\x04"), so it is not a PyTorch checkpoint.',
    );

  // The end-of-central-directory record sits at the very end, followed only by its comment; a match whose
  // comment length does not reach exactly to the end is a chance occurrence inside the data.
  let eocd = -1;
  for (let at = bytes.length - EOCD_SIZE; at >= Math.max(0, bytes.length - EOCD_SIZE - MAX_COMMENT); at--) {
    if (u32(at) === SIG_EOCD && at + EOCD_SIZE + u16(at + 20) === bytes.length) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0)
    fail(
      `ZIP: no end-of-central-directory record at the end of the file (${bytes.length} bytes). ${TRUNCATED_HINT}`,
    );

  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) fail('ZIP: multi-part (split) archives are not supported.');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: the real values are in the ZIP64 end record that the locator just before the EOCD points to.
    const locator = eocd - ZIP64_LOCATOR_SIZE;
    if (locator < 0 || u32(locator) !== SIG_ZIP64_LOCATOR)
      fail(`ZIP: the ZIP64 end-of-central-directory locator is missing. ${TRUNCATED_HINT}`);
    const record = u64(locator + 8);
    if (record + 56 > locator || u32(record) !== SIG_ZIP64_EOCD)
      fail(`ZIP: the ZIP64 end-of-central-directory record is missing. ${TRUNCATED_HINT}`);
    count = u64(record + 32);
    cdSize = u64(record + 40);
    cdOffset = u64(record + 48);
  }
  if (cdOffset + cdSize > eocd) {
    fail(
      `ZIP: the central directory (offset ${cdOffset}, ${cdSize} bytes) runs past its end record at ${eocd}. ${TRUNCATED_HINT}`,
    );
  }

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const entries = new Map<string, ZipEntry>();
  let at = cdOffset;
  for (let i = 0; i < count; i++) {
    if (at + CENTRAL_SIZE > cdOffset + cdSize || u32(at) !== SIG_CENTRAL) {
      fail(
        `ZIP: central directory entry ${i} of ${count} is missing or damaged (offset ${at}). ${TRUNCATED_HINT}`,
      );
    }
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc = u32(at + 16);
    let compressedSize = u32(at + 20);
    let size = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localOffset = u32(at + 42);
    const next = at + CENTRAL_SIZE + nameLength + extraLength + commentLength;
    if (next > cdOffset + cdSize)
      fail(`ZIP: central directory entry ${i} runs past the directory's end. ${TRUNCATED_HINT}`);
    let name: string;
    try {
      name = decoder.decode(bytes.subarray(at + CENTRAL_SIZE, at + CENTRAL_SIZE + nameLength));
    } catch {
      fail(`ZIP: central directory entry ${i} has a name that is not valid UTF-8.`);
    }

    // ZIP64 extended information: only the fields whose 32-bit slot is 0xFFFFFFFF are present, in this order.
    const extraStart = at + CENTRAL_SIZE + nameLength;
    for (let e = extraStart; e + 4 <= extraStart + extraLength;) {
      const id = u16(e);
      const length = u16(e + 2);
      if (e + 4 + length > extraStart + extraLength) fail(`ZIP: entry "${name}" has a damaged extra field.`);
      if (id === ZIP64_EXTRA_ID) {
        let f = e + 4;
        const take = (): number => {
          if (f + 8 > e + 4 + length) fail(`ZIP: entry "${name}" has a short ZIP64 extra field.`);
          const v = u64(f);
          f += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (localOffset === 0xffffffff) localOffset = take();
      }
      e += 4 + length;
    }

    if (flags & 0x1) fail(`ZIP: entry "${name}" is encrypted; PyTorch never writes encrypted checkpoints.`);
    if (method !== 0) {
      const methodName = METHOD_NAMES[method] ?? `method ${method}`;
      fail(
        `ZIP: entry "${name}" is compressed (${methodName}); PyTorch writes every entry uncompressed (stored). ` +
          'The file was probably re-zipped by another tool: use the original .pt file, or re-save it with torch.save().',
      );
    }
    if (compressedSize !== size)
      fail(`ZIP: stored entry "${name}" has compressed size ${compressedSize} but size ${size}.`);
    if (entries.has(name))
      fail(`ZIP: the archive holds "${name}" twice, so it is ambiguous which one to use.`);

    if (localOffset + LOCAL_SIZE > cdOffset || u32(localOffset) !== SIG_LOCAL) {
      fail(`ZIP: the local header of "${name}" (offset ${localOffset}) is missing. ${TRUNCATED_HINT}`);
    }
    // The local header repeats the name but may carry a different extra field (PyTorch's alignment padding).
    const dataOffset = localOffset + LOCAL_SIZE + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + size > cdOffset) {
      fail(
        `ZIP: the data of "${name}" (${size} bytes at offset ${dataOffset}) runs into the central directory. ${TRUNCATED_HINT}`,
      );
    }
    entries.set(name, { name, size, crc32: crc, dataOffset });
    at = next;
  }

  const verifyCrc = options.verifyCrc ?? true;
  const verified = new Set<string>();
  return {
    names: [...entries.keys()],
    has: (name) => entries.has(name),
    entry: (name) => entries.get(name),
    read(name) {
      const e = entries.get(name);
      if (!e) fail(`ZIP: the archive has no entry "${name}".`);
      const data = bytes.subarray(e.dataOffset, e.dataOffset + e.size);
      if (verifyCrc && !verified.has(name)) {
        const actual = crc32(data);
        if (actual !== e.crc32) {
          fail(
            `ZIP: entry "${name}" is damaged (CRC-32 ${hex(actual)}, the directory says ${hex(e.crc32)}). ${TRUNCATED_HINT}`,
          );
        }
        verified.add(name);
      }
      return data;
    },
  };
}

const hex = (n: number): string => `0x${n.toString(16).padStart(8, '0')}`;
