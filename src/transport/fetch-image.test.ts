import { describe, expect, it, vi } from 'vitest';
import { fetchImage, MAX_IMAGE_BYTES } from './fetch-image.ts';

const respond = (body: BodyInit | null, init: ResponseInit = {}) =>
  vi.fn(() => Promise.resolve(new Response(body, init))) as unknown as typeof fetch;

describe('fetchImage', () => {
  it('returns the bytes and the MIME type without parameters', async () => {
    const image = await fetchImage('https://x.example/a.jpg', {
      fetchImpl: respond(new Uint8Array([1, 2, 3]), {
        headers: { 'content-type': 'image/jpeg; charset=binary' },
      }),
    });
    expect(image.type).toBe('image/jpeg');
    expect(new Uint8Array(image.bytes)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('sends no cookies and no referrer to the address the page chose', async () => {
    const fetchImpl = respond(new Uint8Array([1]));
    await fetchImage('https://x.example/a.jpg', { fetchImpl });
    expect(fetchImpl).toHaveBeenCalledWith(
      'https://x.example/a.jpg',
      expect.objectContaining({ credentials: 'omit', referrerPolicy: 'no-referrer' }),
    );
  });

  it('stops reading a body without Content-Length as soon as it passes 50 MB', async () => {
    let pulled = 0;
    let cancelled = false;
    const chunk = new Uint8Array(4 * 1024 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
      cancel() {
        cancelled = true;
      },
    });
    await expect(fetchImage('https://x.example/a.jpg', { fetchImpl: respond(body) })).rejects.toThrow(
      'The image is larger than 50 MB, the most the extension analyses.',
    );
    expect(cancelled).toBe(true);
    expect(pulled).toBeLessThanOrEqual(MAX_IMAGE_BYTES + 2 * chunk.byteLength);
  });

  it('times out a body that stalls', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array([1]));
      },
    });
    await expect(
      fetchImage('https://x.example/a.jpg', { fetchImpl: respond(body), timeoutMs: 50 }),
    ).rejects.toThrow('The image did not finish downloading within 0 s.');
  });

  it('times out a server that never answers', async () => {
    const fetchImpl = vi.fn(
      (_url: string, init: RequestInit) =>
        new Promise<Response>((_, reject) =>
          init.signal!.addEventListener('abort', () => reject(new Error('aborted'))),
        ),
    ) as unknown as typeof fetch;
    await expect(fetchImage('https://x.example/a.jpg', { fetchImpl, timeoutMs: 20 })).rejects.toThrow(
      /did not finish downloading/,
    );
  });

  it.each([
    [
      'an HTTP error',
      'https://x.example/a.jpg',
      respond('', { status: 404, statusText: 'Not Found' }),
      /answered HTTP 404 Not Found: it may have been moved or deleted/,
    ],
    [
      'a refused download (CORS, network)',
      'https://x.example/a.jpg',
      vi.fn(() => Promise.reject(new TypeError('Failed to fetch'))) as unknown as typeof fetch,
      /The site did not let the extension download this image \(Failed to fetch\)/,
    ],
    ['a blob: URL', 'blob:https://x.example/123', respond(''), /exists only inside its page/],
    ['a file: URL', 'file:///home/me/a.jpg', respond(''), /a file on this computer/],
    ['an invalid URL', 'not a url', respond(''), /no address/],
    ['another scheme', 'ftp://x.example/a.jpg', respond(''), /ftp: addresses cannot be downloaded/],
    ['an empty answer', 'https://x.example/a.jpg', respond(null), /answered with no data/],
    [
      'a declared huge image',
      'https://x.example/a.jpg',
      respond('', { headers: { 'content-length': String(MAX_IMAGE_BYTES + 1) } }),
      /larger than 50 MB/,
    ],
  ])('explains %s', async (_name, url, fetchImpl, message) => {
    await expect(fetchImage(url, { fetchImpl })).rejects.toThrow(message);
  });
});
