/**
 * A name a person recognises for a video on the page, for the popup's timeline: the video's own title or
 * aria-label (or what aria-labelledby points at), a <figure>'s caption, a call tile's participant name (the
 * short text beside the only video or canvas of its tile, as call apps draw it), else "Video 2 of 3 on example.com".
 */
/** Longest text taken as a name (a caption or participant name, not a paragraph). */
const MAX_NAME_LENGTH = 60;
/** How far up the tile that holds a video and its name may be. */
const TILE_LEVELS = 3;

const clean = (text: string | null | undefined): string | null => {
  const t = (text ?? '').replace(/\s+/g, ' ').trim();
  return t.length > 0 && t.length <= MAX_NAME_LENGTH ? t : null;
};

function ownName(video: HTMLVideoElement | HTMLCanvasElement): string | null {
  const labelledBy = video.getAttribute('aria-labelledby');
  const referenced = labelledBy
    ?.split(/\s+/)
    .map((id) => video.ownerDocument.getElementById(id)?.textContent ?? '')
    .join(' ');
  return clean(video.title) ?? clean(video.getAttribute('aria-label')) ?? clean(referenced);
}

function tileName(video: HTMLVideoElement | HTMLCanvasElement): string | null {
  const caption = video.closest('figure')?.querySelector('figcaption')?.textContent;
  if (clean(caption)) return clean(caption);
  let tile: Element | null = video.parentElement;
  for (let level = 0; tile && level < TILE_LEVELS; level++, tile = tile.parentElement) {
    if (tile.querySelectorAll('video, canvas').length !== 1) return null;
    const label = clean(tile.getAttribute('aria-label'));
    if (label) return label;
    const text = clean(tile.textContent);
    if (text) return text;
  }
  return null;
}

/**
 * `index` (from 0) and `total` count the videos the overlay analyses in this frame; a canvas the page draws
 * its video into (a call client, a WebGL player) counts as a video.
 */
export function mediaNameOf(
  video: HTMLVideoElement | HTMLCanvasElement,
  index: number,
  total: number,
): string {
  const host = video.ownerDocument.location?.hostname || 'this page';
  return ownName(video) ?? tileName(video) ?? `Video ${index + 1} of ${total} on ${host}`;
}
