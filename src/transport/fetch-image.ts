/**
 * The last resort for a right-clicked image whose pixels the page will not give (src/content/image-analysis.ts
 * tries the displayed pixels and a screen capture first): the content script downloads it again, as the page
 * could. The URL is the page's choice, so the request carries nothing of the user's: no cookies or other
 * credentials (even SameSite=Strict ones would go to a URL a page picked), no referrer. It is bounded: the
 * body is read as a stream and cancelled past MAX_IMAGE_BYTES (a missing or lying Content-Length changes
 * nothing), and the whole download, stalled bodies included, times out after FETCH_TIMEOUT_MS.
 */
export interface FetchedImage {
  bytes: ArrayBuffer;
  /** MIME type from the response (may be empty; the decoder sniffs the bytes). */
  type: string;
}

/** Larger images are refused rather than decoded (a decoded 50 MB JPEG can be gigabytes of RGBA). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;
export const FETCH_TIMEOUT_MS = 20_000;

const tooLarge = () => new Error('The image is larger than 50 MB, the most the extension analyses.');

export interface FetchImageOptions {
  fetchImpl?: typeof fetch;
  timeoutMs?: number;
}

export async function fetchImage(url: string, options: FetchImageOptions = {}): Promise<FetchedImage> {
  const { fetchImpl = fetch, timeoutMs = FETCH_TIMEOUT_MS } = options;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('The image has no address the extension can download it from.');
  }
  if (parsed.protocol === 'blob:')
    throw new Error(
      'This image exists only inside its page (a blob: address), and the page did not let the extension read it.',
    );
  if (parsed.protocol === 'file:')
    throw new Error(
      'This image is a file on this computer; allow the extension file access, or open the file in a tab.',
    );
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:' && parsed.protocol !== 'data:')
    throw new Error(`Images at ${parsed.protocol} addresses cannot be downloaded.`);

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('timeout')), timeoutMs);
  try {
    let response: Response;
    try {
      response = await fetchImpl(url, {
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
        cache: 'force-cache',
        signal: controller.signal,
      });
    } catch (error) {
      if (controller.signal.aborted) throw timedOut(timeoutMs);
      // A cross-origin image without CORS headers fails here, as any network error does.
      throw new Error(
        `The site did not let the extension download this image (${error instanceof Error ? error.message : String(error)}).`,
      );
    }
    if (!response.ok) {
      throw new Error(
        `The image's address answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}: it may have been moved or deleted.`,
      );
    }
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > MAX_IMAGE_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const bytes = await readCapped(response, MAX_IMAGE_BYTES, controller.signal, timeoutMs);
    if (bytes.byteLength === 0) throw new Error("The image's address answered with no data.");
    return { bytes, type: response.headers.get('content-type')?.split(';')[0]?.trim() ?? '' };
  } finally {
    clearTimeout(timer);
  }
}

const timedOut = (ms: number) =>
  new Error(`The image did not finish downloading within ${Math.round(ms / 1000)} s.`);

/** The body, read chunk by chunk and cancelled as soon as it passes `cap` bytes or `signal` aborts. */
async function readCapped(response: Response, cap: number, signal: AbortSignal, timeoutMs: number) {
  if (!response.body) return new ArrayBuffer(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(timedOut(timeoutMs));
    signal.addEventListener('abort', () => reject(timedOut(timeoutMs)), { once: true });
  });
  aborted.catch(() => undefined);
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      total += value.byteLength;
      if (total > cap) throw tooLarge();
      chunks.push(value);
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    throw error;
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes.buffer;
}
