import { describe, expect, it } from 'vitest';
import {
  createResumableDownload,
  DownloadError,
  type DownloadProgress,
  type FetchLike,
  parseContentRange,
} from './download.ts';

const FILE = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const URL_ = 'https://huggingface.co/org/repo/resolve/main/model.pt';

/** A body that sends `bytes` in chunks of 100, then fails with `failWith` if given. */
function body(bytes: Uint8Array, failWith?: Error): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) {
        if (failWith) controller.error(failWith);
        else controller.close();
        return;
      }
      controller.enqueue(bytes.slice(at, at + 100));
      at += 100;
    },
  });
}

interface Served {
  requests: Record<string, string>[];
  fetch: FetchLike;
}

/** A server with Range support; `breakAfter` bytes into the first response the connection drops. */
function server(options: { breakAfter?: number; ignoreRange?: boolean } = {}): Served {
  const requests: Record<string, string>[] = [];
  let first = true;
  return {
    requests,
    fetch: (_url, init) => {
      const headers = (init.headers ?? {}) as Record<string, string>;
      requests.push(headers);
      const range = /^bytes=(\d+)-$/.exec(headers.Range ?? '');
      const breakNow = first && options.breakAfter !== undefined;
      first = false;
      if (range && !options.ignoreRange) {
        const start = Number(range[1]);
        return Promise.resolve(
          new Response(body(FILE.slice(start)), {
            status: 206,
            headers: {
              'content-range': `bytes ${start}-${FILE.length - 1}/${FILE.length}`,
              'content-length': String(FILE.length - start),
            },
          }),
        );
      }
      const sent = breakNow ? FILE.slice(0, options.breakAfter) : FILE;
      return Promise.resolve(
        new Response(body(sent, breakNow ? new TypeError('network error') : undefined), {
          status: 200,
          headers: { 'content-length': String(FILE.length), etag: '"v1"' },
        }),
      );
    },
  };
}

const run = (d: ReturnType<typeof createResumableDownload>, seen: DownloadProgress[] = []) =>
  d.run(new AbortController().signal, (p) => seen.push(p));

async function rejection(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('parseContentRange', () => {
  it.each([
    ['bytes 100-999/1000', { start: 100, total: 1000 }],
    ['bytes 0-9/*', { start: 0, total: null }],
    ['items 0-9/10', null],
    [null, null],
  ])('%j', (value, expected) => expect(parseContentRange(value)).toEqual(expected));
});

describe('createResumableDownload', () => {
  it('streams the whole file, reporting bytes of the announced total', async () => {
    const seen: DownloadProgress[] = [];
    const bytes = await run(createResumableDownload(URL_, server().fetch), seen);
    expect(bytes).toEqual(FILE);
    expect(seen[0]).toEqual({ receivedBytes: 0, totalBytes: 1000 });
    expect(seen.at(-1)).toEqual({ receivedBytes: 1000, totalBytes: 1000 });
    expect(seen.length).toBe(11);
  });

  it('resumes a broken download with a Range request for the rest only', async () => {
    const s = server({ breakAfter: 300 });
    const download = createResumableDownload(URL_, s.fetch);
    const error = await rejection(run(download));
    expect(error.kind).toBe('network');
    expect(error.message).toBe(
      'The download broke off at 0.0 MB of 0.0 MB (network error). Resume continues from there.',
    );
    expect(download.progress).toEqual({ receivedBytes: 300, totalBytes: 1000 });
    await expect(run(download)).resolves.toEqual(FILE);
    expect(s.requests[1]).toEqual({ Range: 'bytes=300-', 'If-Range': '"v1"' });
  });

  it('starts over when the server ignores Range', async () => {
    const s = server({ breakAfter: 300, ignoreRange: true });
    const download = createResumableDownload(URL_, s.fetch);
    await rejection(run(download));
    await expect(run(download)).resolves.toEqual(FILE);
  });

  it('says so when cancelled, and resumes afterwards', async () => {
    const s = server();
    const download = createResumableDownload(URL_, s.fetch);
    const controller = new AbortController();
    const error = await rejection(
      download.run(controller.signal, (p) => {
        if (p.receivedBytes >= 200) controller.abort();
      }),
    );
    expect(error.kind).toBe('cancelled');
    expect(error.message).toMatch(/^Download cancelled at .* Resume continues from there\.$/);
    await expect(run(download)).resolves.toEqual(FILE);
    expect(s.requests[1]?.Range).toMatch(/^bytes=[1-9]\d*-$/);
  });

  it('reports a file shorter than announced', async () => {
    const fetchShort: FetchLike = () =>
      Promise.resolve(new Response(body(FILE.slice(0, 400)), { headers: { 'content-length': '1000' } }));
    const error = await rejection(run(createResumableDownload(URL_, fetchShort)));
    expect(error.kind).toBe('size');
    expect(error.message).toMatch(/ended at .* the file is incomplete/);
  });

  it('explains HTTP errors and unreachable hosts', async () => {
    const notFound: FetchLike = () =>
      Promise.resolve(new Response('nope', { status: 404, statusText: 'Not Found' }));
    const e404 = await rejection(run(createResumableDownload(URL_, notFound)));
    expect(e404.kind).toBe('http');
    expect(e404.message).toMatch(/^huggingface.co answered HTTP 404 Not Found for https:/);
    const offline: FetchLike = () => Promise.reject(new TypeError('Failed to fetch'));
    const eNet = await rejection(run(createResumableDownload(URL_, offline)));
    expect(eNet.kind).toBe('network');
    expect(eNet.message).toBe(
      'Could not reach huggingface.co (Failed to fetch). Check the connection and try again.',
    );
  });
});
