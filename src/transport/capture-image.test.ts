import { describe, expect, it } from 'vitest';
import { dataUrlBlob } from './capture-image.ts';

describe('dataUrlBlob', () => {
  it('decodes a base64 data: URL without fetch (which the CSP forbids)', async () => {
    const blob = dataUrlBlob(`data:image/png;base64,${btoa('\x89PNG\r\n')}`);
    expect(blob.type).toBe('image/png');
    expect([...new Uint8Array(await blob.arrayBuffer())]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]);
  });

  it('refuses a URL that is not base64', () => {
    expect(() => dataUrlBlob('data:image/svg+xml,<svg/>')).toThrow(/base64/);
  });
});
