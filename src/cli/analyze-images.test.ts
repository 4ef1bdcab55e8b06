import { describe, expect, it } from 'vitest';
import { annotatedName } from './analyze-images.ts';

describe('annotatedName', () => {
  it.each([
    { names: ['a.jpg'], expected: ['a.png'] },
    { names: ['a.jpg', 'a.png', 'a.webp'], expected: ['a.png', 'a-2.png', 'a-3.png'] },
    { names: ['x/y.z/photo', 'x/y.z/photo.jpeg'], expected: ['x/y.z/photo.png', 'x/y.z/photo-2.png'] },
  ])('$names', ({ names, expected }) => {
    const used = new Set<string>();
    expect(names.map((n) => annotatedName(n, used))).toEqual(expected);
  });
});
