import { describe, expect, it, vi } from 'vitest';
import { fetchImage, MAX_IMAGE_BYTES } from './fetch-image.ts';

const respond = (body: BodyInit, init: ResponseInit = {}) =>
  vi.fn(() => Promise.resolve(new Response(body, init))) as unknown as typeof fetch;

describe('fetchImage', () => {
  it('returns the bytes and the MIME type without parameters', async () => {
    const image = await fetchImage(
      'https://x.example/a.jpg',
      respond(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'image/jpeg; charset=binary' } }),
    );
    expect(image.type).toBe('image/jpeg');
    expect(new Uint8Array(image.bytes)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it.each([
    [
      'an HTTP error',
      'https://x.example/a.jpg',
      respond('', { status: 404, statusText: 'Not Found' }),
      /HTTP 404 Not Found/,
    ],
    [
      'a network error',
      'https://x.example/a.jpg',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch,
      /Could not download the image \(TypeError: Failed to fetch\)/,
    ],
    ['a blob: URL', 'blob:https://x.example/123', respond(''), /blob: URL, which only its page can read/],
    [
      'a huge image',
      'https://x.example/a.jpg',
      respond('', { headers: { 'content-length': String(MAX_IMAGE_BYTES + 1) } }),
      /up to 50 MB/,
    ],
  ])('explains %s', async (_name, url, fetchImpl, message) => {
    await expect(fetchImage(url, fetchImpl)).rejects.toThrow(message);
  });
});
