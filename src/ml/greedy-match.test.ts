import { describe, expect, it } from 'vitest';
import { matchByIoU } from './greedy-match.ts';

const box = (x: number, y = 0, side = 10) => ({ box: { x, y, width: side, height: side } });

describe('matchByIoU', () => {
  it.each([
    { name: 'no tracks: every face is new', tracks: [], faces: [box(0), box(50)], want: [-1, -1] },
    { name: 'no faces', tracks: [box(0)], faces: [], want: [] },
    {
      name: 'each face continues its own track',
      tracks: [box(0), box(50)],
      faces: [box(51), box(1)],
      want: [1, 0],
    },
    { name: 'below minIoU: a new face', tracks: [box(0)], faces: [box(8)], want: [-1] },
    // Face 0 overlaps track 0 a little and track 1 a lot; face 1 overlaps only track 0: best first gives 1, 0.
    {
      name: 'best overlap first, one-to-one',
      tracks: [box(0), box(4)],
      faces: [box(5), box(1)],
      want: [1, 0],
    },
    {
      name: 'two faces on one track: the better one takes it',
      tracks: [box(0)],
      faces: [box(3), box(1)],
      want: [-1, 0],
    },
  ])('$name', ({ tracks, faces, want }) => {
    expect([...matchByIoU(tracks, faces, 0.3)]).toEqual(want);
  });

  it('an ineligible face is never matched', () => {
    expect([...matchByIoU([box(0)], [box(0)], 0.3, () => false)]).toEqual([-1]);
  });

  it('ties keep the earlier track', () => {
    expect([...matchByIoU([box(0), box(0)], [box(0)], 0.3)]).toEqual([0]);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses minIoU %s', (minIoU) => {
    expect(() => matchByIoU([], [], minIoU)).toThrow(/minIoU/);
  });
});
