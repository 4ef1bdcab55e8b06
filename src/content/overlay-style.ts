/** Size of the all-probabilities panel, full and compact, so the layout keeps it inside the picture. */
export const BARS_WIDTH_PX = 150;
export const BARS_HEIGHT_PX = 106;
export const BARS_COMPACT_WIDTH_PX = 112;
export const BARS_COMPACT_HEIGHT_PX = 78;
export const BARS_SIZES = {
  full: { width: BARS_WIDTH_PX, height: BARS_HEIGHT_PX },
  compact: { width: BARS_COMPACT_WIDTH_PX, height: BARS_COMPACT_HEIGHT_PX },
} as const;
/** The face box's border width. */
export const FACE_BORDER_PX = 2;

/** Styles of the overlay's shadow root (isolated from the page's CSS). */
export const OVERLAY_CSS = `
:host { all: initial; }
.layer { position: absolute; inset: 0; pointer-events: none; font: 600 12px/1.25 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
.media { position: absolute; overflow: hidden; }
.media[hidden] { display: none; }
.face {
  --c: #607d8b;
  position: absolute;
  box-sizing: border-box;
  border: ${FACE_BORDER_PX}px solid var(--c);
  border-radius: 4px;
  box-shadow: 0 0 0 1px rgba(0, 0, 0, .35), inset 0 0 0 1px rgba(0, 0, 0, .25);
  transition: left .08s linear, top .08s linear, width .08s linear, height .08s linear;
}
.face[hidden] { display: none; }
.label {
  position: absolute;
  z-index: 2;
  left: 0;
  top: 0;
  display: flex;
  gap: 6px;
  padding: 2px 6px;
  white-space: nowrap;
  color: #fff;
  background: var(--c);
  border-radius: 4px 4px 0 0;
  text-shadow: 0 1px 1px rgba(0, 0, 0, .35);
}
.label[data-placement="inside"] { border-radius: 0 0 4px 0; }
.label[data-placement="below"] { border-radius: 0 0 4px 4px; }
.label .p { font-variant-numeric: tabular-nums; opacity: .92; }
.label .span { padding: 0 3px; border: 1px solid currentColor; border-radius: 3px; font-size: 10px; opacity: .85; }
.label .span[hidden] { display: none; }
.bars {
  position: absolute;
  z-index: 1;
  left: 0;
  top: 0;
  box-sizing: border-box;
  width: ${BARS_WIDTH_PX}px;
  padding: 4px 6px;
  color: #fff;
  background: rgba(20, 20, 24, .78);
  border-radius: 4px;
  font-weight: 500;
  font-size: 11px;
}
.bars[hidden] { display: none; }
/* The compact panel (small pictures, call tiles): the same seven rows, smaller; BARS_COMPACT_* is its size. */
.bars.compact { width: ${BARS_COMPACT_WIDTH_PX}px; padding: 3px 4px; font-size: 9px; line-height: 10px; }
.bars.compact .bar { grid-template-columns: 44px 1fr 26px; gap: 3px; }
.bars.compact .bar i { height: 4px; }
.bar { display: grid; grid-template-columns: 62px 1fr 32px; align-items: center; gap: 4px; }
.bar i { display: block; height: 6px; background: rgba(255, 255, 255, .15); border-radius: 3px; overflow: hidden; }
.bar b { display: block; height: 100%; width: 0; transition: width .15s linear; }
.bar em { font-style: normal; text-align: right; font-variant-numeric: tabular-nums; }
.notice {
  position: absolute;
  left: 8px;
  right: 8px;
  bottom: 8px;
  display: flex;
  flex-wrap: wrap;
  align-items: center;
  gap: 8px;
  padding: 6px 10px;
  color: #fff;
  background: rgba(20, 20, 24, .85);
  border-radius: 6px;
  font-weight: 500;
}
.notice[hidden] { display: none; }
.notice button {
  pointer-events: auto;
  cursor: pointer;
  font: inherit;
  color: #111;
  background: #fff;
  border: 0;
  border-radius: 4px;
  padding: 3px 8px;
}
`;
