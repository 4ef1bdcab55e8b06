/**
 * The page overlay: one host element in the top layer (a manual popover, so it sits above page content and,
 * re-shown after `fullscreenchange`, above a fullscreen element too) holding a closed shadow root, so the
 * page's CSS cannot restyle it and the page's scripts cannot read what it shows. It holds one MediaOverlay
 * (media-overlay.ts) per analysed element and lays them all out once per animation frame.
 */
import type { OverlaySnapshot } from '../protocol/overlay.ts';
import type { ContentContext } from './content-context.ts';
import { MediaOverlay, type MediaElement, type OverlayHost } from './media-overlay.ts';
import { OVERLAY_CSS } from './overlay-style.ts';

export class OverlayLayer implements OverlayHost {
  private readonly host: HTMLElement;
  private readonly shadow: ShadowRoot;
  private readonly container: HTMLDivElement;
  private readonly overlays = new Set<MediaOverlay>();
  private frameRequested = false;
  private showAll = false;
  private forceFaces = false;

  constructor(private readonly ctx: ContentContext) {
    this.host = document.createElement('affect-lens-overlay');
    // Inline !important beats any page rule for this element (the shadow root's :host loses to page CSS).
    const hostStyle: Record<string, string> = {
      position: 'fixed',
      inset: '0',
      width: '100vw',
      height: '100vh',
      'max-width': 'none',
      'max-height': 'none',
      margin: '0',
      padding: '0',
      border: '0',
      background: 'transparent',
      overflow: 'visible',
      'pointer-events': 'none',
      'z-index': '2147483647',
      display: 'block',
      opacity: '1',
      transform: 'none',
      filter: 'none',
    };
    for (const [k, v] of Object.entries(hostStyle)) this.host.style.setProperty(k, v, 'important');
    this.shadow = this.host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = OVERLAY_CSS;
    this.container = document.createElement('div');
    this.container.className = 'layer';
    this.shadow.append(style, this.container);

    const reshow = () => this.bringToFront();
    document.addEventListener('fullscreenchange', reshow, { signal: ctx.signal });
    document.addEventListener('webkitfullscreenchange', reshow, { signal: ctx.signal });
    ctx.onInvalidated(() => this.host.remove());
  }

  /** Starts following `element`. */
  attach(element: MediaElement, kind: 'image' | 'video'): MediaOverlay {
    for (const o of this.overlays) if (o.element === element && o.kind === kind) return o;
    const overlay = new MediaOverlay(element, kind, this);
    this.overlays.add(overlay);
    this.container.append(overlay.root);
    if (!this.host.isConnected) {
      document.documentElement.append(this.host);
      this.bringToFront();
    }
    this.schedule();
    return overlay;
  }

  detach(overlay: MediaOverlay): void {
    if (!this.overlays.delete(overlay)) return;
    overlay.root.remove();
    if (this.overlays.size === 0) this.host.remove();
  }

  find(element: Element, kind: 'image' | 'video'): MediaOverlay | undefined {
    for (const o of this.overlays) if (o.element === element && o.kind === kind) return o;
    return undefined;
  }

  setShowAll(showAll: boolean): void {
    if (this.showAll === showAll) return;
    this.showAll = showAll;
    this.forceFaces = true;
    this.schedule();
  }

  snapshot(enabled: boolean): OverlaySnapshot {
    return { enabled, overlays: [...this.overlays].map((o) => o.snapshot()) };
  }

  /** Requests a layout pass; while any overlay exists, layout runs every frame to follow scrolling. */
  schedule(): void {
    if (this.frameRequested || !this.ctx.isValid) return;
    this.frameRequested = true;
    this.ctx.requestAnimationFrame(() => {
      this.frameRequested = false;
      this.layoutAll();
      if (this.overlays.size > 0) this.schedule();
    });
  }

  /**
   * Hides everything the layer draws (still laid out, so nothing moves) or shows it again: a screen snapshot
   * must not contain the overlay's own boxes and notices.
   */
  setHidden(hidden: boolean): void {
    if (hidden) this.host.style.setProperty('visibility', 'hidden', 'important');
    else this.host.style.removeProperty('visibility');
  }

  destroy(): void {
    for (const o of [...this.overlays]) this.detach(o);
    this.host.remove();
  }

  private layoutAll(): void {
    const force = this.forceFaces;
    this.forceFaces = false;
    for (const o of [...this.overlays]) {
      if (!o.element.isConnected) {
        this.detach(o);
        continue;
      }
      o.layout(this.showAll, force);
    }
  }

  /** Re-enters the top layer so the overlay is above whatever entered it last (a fullscreen element). */
  private bringToFront(): void {
    const host = this.host as HTMLElement & { showPopover?: () => void; hidePopover?: () => void };
    if (!host.isConnected || typeof host.showPopover !== 'function') return;
    // Inside a fullscreen element that is not itself the media, the host must be visible there too.
    if (!host.hasAttribute('popover')) host.setAttribute('popover', 'manual');
    try {
      if (host.matches(':popover-open')) host.hidePopover?.();
      host.showPopover();
    } catch {
      /* popover unsupported or not allowed here: the fixed, max z-index host still covers normal pages */
    }
  }
}
