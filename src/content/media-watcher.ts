/**
 * Reports the <video> (and <canvas>) elements of a document as they come and go: those present at start, those added later
 * (calls add a tile per participant, SPAs replace whole views), and removals. Elements inside open shadow
 * roots are not seen (yet).
 */
export interface MediaWatcherCallbacks<E extends Element> {
  added(element: E): void;
  removed(element: E): void;
}

export function watchElements<E extends Element>(
  root: Document,
  selector: string,
  matches: (node: Element) => node is E,
  callbacks: MediaWatcherCallbacks<E>,
  signal: AbortSignal,
): void {
  const known = new Set<E>();
  const visit = (node: Node, found: (e: E) => void) => {
    if (!(node instanceof Element)) return;
    if (matches(node)) found(node);
    for (const e of node.querySelectorAll(selector)) if (matches(e)) found(e);
  };
  const add = (e: E) => {
    if (known.has(e)) return;
    known.add(e);
    callbacks.added(e);
  };
  const observer = new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) visit(node, add);
      for (const node of record.removedNodes) {
        visit(node, (e) => {
          // A node moved within the document is removed and re-added in one batch.
          if (e.isConnected || !known.delete(e)) return;
          callbacks.removed(e);
        });
      }
    }
  });
  observer.observe(root, { childList: true, subtree: true });
  visit(root.documentElement, add);
  signal.addEventListener(
    'abort',
    () => {
      observer.disconnect();
      for (const e of known) callbacks.removed(e);
      known.clear();
    },
    { once: true },
  );
}

export const isVideo = (node: Element): node is HTMLVideoElement => node instanceof HTMLVideoElement;

/** A <video>, or a <canvas> the page may draw a video into. */
export const isVideoOrCanvas = (node: Element): node is HTMLVideoElement | HTMLCanvasElement =>
  node instanceof HTMLVideoElement || node instanceof HTMLCanvasElement;
