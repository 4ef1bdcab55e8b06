/**
 * What a media element shows, as one string for snapshots and logs: its URL, or for a `srcObject` (a call's
 * camera or participant, a MediaSource player) a key of that object. `currentSrc` and `src` are both empty
 * for srcObject media (https://html.spec.whatwg.org/multipage/media.html#dom-media-srcobject), which made
 * every call tile look the same. A <canvas> the page draws a video into is `canvas:#<id>` or `canvas:<n>`.
 * Elements themselves, never these strings, key the content script's state.
 */
export interface MediaLike {
  readonly currentSrc?: string;
  readonly src?: string;
  readonly srcObject?: unknown;
  /** A canvas has no source of its own: it is named by its id attribute, else by the order it was first seen. */
  readonly localName?: string;
  readonly id?: string;
}

/** Canvases seen so far, in order: a canvas without an id keeps its number while it lives. */
const canvasNumbers = new WeakMap<object, number>();
let canvasesSeen = 0;

function canvasKeyOf(canvas: MediaLike): string {
  if (canvas.id) return `canvas:#${canvas.id}`;
  let n = canvasNumbers.get(canvas);
  if (n === undefined) canvasNumbers.set(canvas, (n = ++canvasesSeen));
  return `canvas:${n}`;
}

export function mediaSrcOf(element: MediaLike): string {
  if (element.localName === 'canvas') return canvasKeyOf(element);
  const url = element.currentSrc || element.src;
  if (url) return url;
  const object = element.srcObject as { id?: unknown; getTracks?: unknown } | null | undefined;
  if (!object) return '';
  // A MediaStream has an id (a UUID); a MediaSource or Blob does not.
  if (typeof object.id === 'string' && typeof object.getTracks === 'function')
    return `mediastream:${object.id}`;
  return `srcobject:${Object.prototype.toString.call(object).slice(8, -1)}`;
}
