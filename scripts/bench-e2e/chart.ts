/**
 * One chart of the per-frame time distributions: for each face count a panel with, per pairing, the share of
 * frames analysed within x ms (an empirical CDF of the engine's time, or the peer's detect() time). Built as
 * SVG here (pure, tested), turned into a PNG by the bench's browser (a screenshot).
 */
import { quantile } from './stats.ts';

export interface ChartSeries {
  label: string;
  faces: number;
  side: 'ours' | 'peer';
  /** Per-frame analysis times, ms. */
  values: readonly number[];
}

const OURS = ['#1b6ef3', '#0b9e8a', '#7a4fd6', '#c2185b'];
const PEER = ['#e8710a', '#b06000'];

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A step path of the empirical CDF of `values` on a panel of `width` x `height` whose x axis ends at xMax. */
export function cdfPath(values: readonly number[], xMax: number, width: number, height: number): string {
  const sorted = [...values].filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) throw new Error('cdfPath: no values');
  if (!(xMax > 0)) throw new Error(`cdfPath: xMax must be positive, got ${xMax}`);
  const x = (v: number) => (Math.min(v, xMax) / xMax) * width;
  const y = (share: number) => height - share * height;
  const points = [`M0,${y(0).toFixed(1)}`];
  sorted.forEach((v, i) => {
    points.push(`L${x(v).toFixed(1)},${y(i / sorted.length).toFixed(1)}`);
    points.push(`L${x(v).toFixed(1)},${y((i + 1) / sorted.length).toFixed(1)}`);
  });
  points.push(`L${width},${y(1).toFixed(1)}`);
  return points.join(' ');
}

/** The chart as an SVG document: one panel per face count, side by side. */
export function distributionChart(series: readonly ChartSeries[], title: string): string {
  const faceCounts = [...new Set(series.map((s) => s.faces))].sort((a, b) => a - b);
  if (faceCounts.length === 0) throw new Error('distributionChart: no series');
  const panelW = 460;
  const panelH = 260;
  const margin = { left: 56, top: 56, right: 72, bottom: 120 };
  const width = faceCounts.length * (panelW + margin.left + margin.right);
  const height = margin.top + panelH + margin.bottom;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="16" y="24" font-size="15" font-weight="600">${escape(title)}</text>`,
  ];
  faceCounts.forEach((faces, panel) => {
    const mine = series.filter((s) => s.faces === faces && s.values.length > 0);
    // The x axis ends at the slowest series' p99, so that one outlier does not squash the rest.
    const p99 = Math.max(
      ...mine.map((s) =>
        quantile(
          [...s.values].sort((a, b) => a - b),
          0.99,
        ),
      ),
    );
    const step = niceStep(p99 / 5);
    const xMax = Math.max(step, Math.ceil(p99 / step) * step);
    const ox = panel * (panelW + margin.left + margin.right) + margin.left;
    const oy = margin.top;
    parts.push(`<g transform="translate(${ox},${oy})">`);
    parts.push(
      `<text x="0" y="-12" font-weight="600">${faces} face${faces === 1 ? '' : 's'}: share of frames analysed within x ms</text>`,
    );
    for (let v = 0; v <= xMax + 1e-9; v += step) {
      const x = (v / xMax) * panelW;
      parts.push(`<line x1="${x.toFixed(1)}" y1="0" x2="${x.toFixed(1)}" y2="${panelH}" stroke="#eee"/>`);
      parts.push(`<text x="${x.toFixed(1)}" y="${panelH + 16}" text-anchor="middle">${round(v)}</text>`);
    }
    for (const share of [0, 0.25, 0.5, 0.75, 1]) {
      const y = panelH - share * panelH;
      parts.push(`<line x1="0" y1="${y}" x2="${panelW}" y2="${y}" stroke="#eee"/>`);
      parts.push(`<text x="-8" y="${y + 4}" text-anchor="end">${share * 100}%</text>`);
    }
    parts.push(`<text x="${panelW / 2}" y="${panelH + 34}" text-anchor="middle">ms per frame</text>`);
    let ours = 0;
    let peer = 0;
    mine.forEach((s, i) => {
      const color = s.side === 'ours' ? OURS[ours++ % OURS.length]! : PEER[peer++ % PEER.length]!;
      const dash = s.side === 'peer' ? ' stroke-dasharray="6 3"' : '';
      parts.push(
        `<path d="${cdfPath(s.values, xMax, panelW, panelH)}" fill="none" stroke="${color}" stroke-width="2"${dash}/>`,
      );
      const sorted = [...s.values].sort((a, b) => a - b);
      const ly = panelH + 54 + i * 16;
      parts.push(
        `<line x1="0" y1="${ly - 4}" x2="24" y2="${ly - 4}" stroke="${color}" stroke-width="2"${dash}/>`,
      );
      parts.push(
        `<text x="32" y="${ly}" font-size="11">${escape(s.label)}: median ${round(quantile(sorted, 0.5))} ms, p95 ${round(quantile(sorted, 0.95))} ms, ${sorted.length} frames</text>`,
      );
    });
    parts.push(`<rect width="${panelW}" height="${panelH}" fill="none" stroke="#999"/>`);
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

const round = (v: number) => (v >= 10 ? Math.round(v).toString() : v.toFixed(1));
