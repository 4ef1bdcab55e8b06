/**
 * What a media element shows, as one string for snapshots and logs: its URL, or for a `srcObject` (a call's
 * camera or participant, a MediaSource player) a key of that object. `currentSrc` and `src` are both empty
 * for srcObject media (https://html.spec.whatwg.org/multipage/media.html#dom-media-srcobject), which made
 * every call tile look the same. Elements themselves, never these strings, key the content script's state.
 */
export interface MediaLike {
  readonly currentSrc?: string;
  readonly src?: string;
  readonly srcObject?: unknown;
}

export function mediaSrcOf(element: MediaLike): string {
  const url = element.currentSrc || element.src;
  if (url) return url;
  const object = element.srcObject as { id?: unknown; getTracks?: unknown } | null | undefined;
  if (!object) return '';
  // A MediaStream has an id (a UUID); a MediaSource or Blob does not.
  if (typeof object.id === 'string' && typeof object.getTracks === 'function')
    return `mediastream:${object.id}`;
  return `srcobject:${Object.prototype.toString.call(object).slice(8, -1)}`;
}
