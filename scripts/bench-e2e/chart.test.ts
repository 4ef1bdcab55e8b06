import { describe, expect, it } from 'vitest';
import { cdfPath, distributionChart, niceStep } from './chart.ts';

describe('cdfPath', () => {
  it('steps up by 1/n at each value, from the bottom left to the top right', () => {
    expect(cdfPath([10, 20], 40, 100, 50)).toBe(
      'M0,50.0 L25.0,50.0 L25.0,25.0 L50.0,25.0 L50.0,0.0 L100,0.0',
    );
  });

  it('clamps values beyond the axis to its end', () => {
    expect(cdfPath([80], 40, 100, 50)).toBe('M0,50.0 L100.0,50.0 L100.0,0.0 L100,0.0');
  });

  it('refuses no values', () => {
    expect(() => cdfPath([], 40, 100, 50)).toThrow('cdfPath: no values');
  });
});

describe('niceStep', () => {
  it.each([
    [0.7, 1],
    [3, 5],
    [12, 20],
    [46, 50],
    [51, 100],
  ])('%d -> %d', (raw, step) => expect(niceStep(raw)).toBe(step));
});

describe('distributionChart', () => {
  it('draws a panel per face count and a labelled curve per series', () => {
    const svg = distributionChart(
      [
        { label: 'Affect Lens', faces: 1, side: 'ours', values: [10, 12, 14] },
        { label: 'peer', faces: 1, side: 'peer', values: [50, 60] },
        { label: 'Affect Lens, 4 faces', faces: 4, side: 'ours', values: [30] },
      ],
      'Per-frame <time>',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Per-frame &lt;time&gt;');
    expect(svg).toContain('1 face: share of frames');
    expect(svg).toContain('4 faces: share of frames');
    expect(svg.match(/<path /g)).toHaveLength(3);
    expect(svg).toContain('peer: median 50 ms, p95 60 ms, 2 frames');
    // The peer is dashed.
    expect(svg).toMatch(/stroke-dasharray="6 3"\/>/);
  });
});
