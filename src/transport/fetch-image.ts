/**
 * The extension fetches a right-clicked image itself: with host permission its requests are not subject to
 * CORS, so images from any origin can be analysed even when the page could not read their pixels.
 * blob: URLs belong to the page's origin and cannot be fetched from here; the error says so.
 */
export interface FetchedImage {
  bytes: ArrayBuffer;
  /** MIME type from the response (may be empty; the decoder sniffs the bytes). */
  type: string;
}

/** Larger images are refused rather than decoded (a decoded 50 MB JPEG can be gigabytes of RGBA). */
export const MAX_IMAGE_BYTES = 50 * 1024 * 1024;

export async function fetchImage(url: string, fetchImpl: typeof fetch = fetch): Promise<FetchedImage> {
  if (url.startsWith('blob:')) {
    throw new Error(
      'This image is a blob: URL, which only its page can read; save it and open the file instead.',
    );
  }
  let response: Response;
  try {
    response = await fetchImpl(url, { credentials: 'include', cache: 'force-cache' });
  } catch (error) {
    throw new Error(`Could not download the image (${String(error)}).`);
  }
  if (!response.ok)
    throw new Error(`Could not download the image: HTTP ${response.status} ${response.statusText}.`);
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > MAX_IMAGE_BYTES) {
    throw new Error(`The image is ${(declared / 1e6).toFixed(0)} MB; images up to 50 MB are analysed.`);
  }
  const bytes = await response.arrayBuffer();
  if (bytes.byteLength > MAX_IMAGE_BYTES) {
    throw new Error(
      `The image is ${(bytes.byteLength / 1e6).toFixed(0)} MB; images up to 50 MB are analysed.`,
    );
  }
  return { bytes, type: response.headers.get('content-type')?.split(';')[0]?.trim() ?? '' };
}
