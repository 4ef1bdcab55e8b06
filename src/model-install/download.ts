/**
 * A streamed download that can be cancelled and resumed: what has arrived is kept, and the next `run` asks
 * only for the rest with an HTTP Range request (RFC 9110 section 14; a server that ignores Range answers 200
 * and the download starts over). Progress reports bytes received of the total the server announced.
 * Errors are DownloadErrors whose message says what happened and what to do.
 */

export type DownloadErrorKind = 'network' | 'http' | 'cancelled' | 'size' | 'checksum';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export interface DownloadProgress {
  receivedBytes: number;
  /** From Content-Length or Content-Range; null when the server did not say. */
  totalBytes: number | null;
}

export interface ResumableDownload {
  /** Downloads the rest of the file (all of it the first time); resolves with the whole file. */
  run(signal: AbortSignal, onProgress: (progress: DownloadProgress) => void): Promise<Uint8Array>;
  readonly progress: DownloadProgress;
  /** Forgets what has arrived (the next run starts from byte 0). */
  reset(): void;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

/** Decimal megabytes, as the model's size is published (98.6 MB). */
const MB = 1e6;
export const formatMb = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

function progressText({ receivedBytes, totalBytes }: DownloadProgress): string {
  return totalBytes === null
    ? formatMb(receivedBytes)
    : `${formatMb(receivedBytes)} of ${formatMb(totalBytes)}`;
}

/** "bytes 100-199/1000" -> { start: 100, total: 1000 } (total null for "*"). */
export function parseContentRange(value: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(value?.trim() ?? '');
  if (!match) return null;
  return { start: Number(match[1]), total: match[2] === '*' ? null : Number(match[2]) };
}

const isAbort = (error: unknown, signal: AbortSignal) =>
  signal.aborted || (error instanceof Error && error.name === 'AbortError');

export function createResumableDownload(url: string, fetchImpl: FetchLike = fetch): ResumableDownload {
  let chunks: Uint8Array[] = [];
  let received = 0;
  let total: number | null = null;
  /** Validator of what we have, so a resumed range belongs to the same file (If-Range). */
  let validator: string | null = null;

  const progress = (): DownloadProgress => ({ receivedBytes: received, totalBytes: total });
  const startOver = () => {
    chunks = [];
    received = 0;
    total = null;
    validator = null;
  };
  const cancelled = () =>
    new DownloadError(
      'cancelled',
      `Download cancelled at ${progressText(progress())}. Resume continues from there.`,
    );

  return {
    get progress() {
      return progress();
    },
    reset: startOver,
    async run(signal, onProgress) {
      if (signal.aborted) throw cancelled();
      const headers: Record<string, string> = {};
      const resuming = received > 0;
      if (resuming) {
        headers.Range = `bytes=${received}-`;
        if (validator) headers['If-Range'] = validator;
      }
      let response: Response;
      try {
        response = await fetchImpl(url, { signal, headers, cache: 'no-store' });
      } catch (error) {
        if (isAbort(error, signal)) throw cancelled();
        throw new DownloadError(
          'network',
          `Could not reach ${new URL(url).host} (${(error as Error).message}). Check the connection and try again.`,
        );
      }
      if (resuming && response.status === 206) {
        const range = parseContentRange(response.headers.get('content-range'));
        // Without a readable Content-Range, trust that the server sent what was asked.
        if (range && range.start !== received) {
          await response.body?.cancel();
          startOver();
          throw new DownloadError(
            'http',
            `The server resumed at byte ${range.start} instead of ${received}; the download starts over on the next try.`,
          );
        }
        if (range?.total != null) total = range.total;
      } else if (response.status === 200) {
        if (resuming) startOver(); // Range ignored, or the file changed (If-Range): the whole file comes.
        const length = Number(response.headers.get('content-length'));
        total = Number.isFinite(length) && length > 0 ? length : null;
        validator = response.headers.get('etag') ?? response.headers.get('last-modified');
      } else if (resuming && response.status === 416 && total !== null && received === total) {
        // Everything had already arrived.
      } else {
        await response.body?.cancel();
        throw new DownloadError(
          'http',
          `${new URL(url).host} answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` +
            ` for ${url}. Try again later, or download the file yourself and pick it below.`,
        );
      }
      onProgress(progress());

      if (response.status !== 416) {
        const reader = response.body?.getReader();
        if (!reader) throw new DownloadError('network', 'The response has no body.');
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            chunks.push(value);
            received += value.length;
            onProgress(progress());
            // fetch aborts the body too; checked here as well so any stream stops at once.
            if (signal.aborted) {
              await reader.cancel().catch(() => undefined);
              throw cancelled();
            }
          }
        } catch (error) {
          if (error instanceof DownloadError) throw error;
          if (isAbort(error, signal)) throw cancelled();
          throw new DownloadError(
            'network',
            `The download broke off at ${progressText(progress())} (${(error as Error).message}). ` +
              'Resume continues from there.',
          );
        }
      }
      if (total !== null && received !== total) {
        throw new DownloadError(
          'size',
          `The download ended at ${progressText(progress())}: the file is incomplete. Resume continues from there.`,
        );
      }
      const whole = new Uint8Array(received);
      let at = 0;
      for (const chunk of chunks) {
        whole.set(chunk, at);
        at += chunk.length;
      }
      chunks = [whole];
      return whole;
    },
  };
}
