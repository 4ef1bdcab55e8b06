import { describe, expect, it } from 'vitest';
import { flipX, isMirroredX } from './mirror.ts';

describe('isMirroredX', () => {
  it.each([
    ['none', 'none', false],
    ['scaleX(-1)', 'matrix(-1, 0, 0, 1, 0, 0)', true],
    ['scale(-1.5, 1.5)', 'matrix(-1.5, 0, 0, 1.5, 0, 0)', true],
    [
      'rotateY(180deg)',
      'matrix3d(-1, 0, -1.22465e-16, 0, 0, 1, 0, 0, 1.22465e-16, 0, -1, 0, 0, 0, 0, 1)',
      true,
    ],
    ['scaleY(-1) only', 'matrix(1, 0, 0, -1, 0, 0)', false],
    ['rotate(180deg)', 'matrix(-1, 1.22465e-16, -1.22465e-16, -1, 0, 0)', false],
    ['rotate(45deg)', 'matrix(0.707107, 0.707107, -0.707107, 0.707107, 0, 0)', false],
    ['a translation', 'matrix(1, 0, 0, 1, 10, 20)', false],
    ['garbage', 'matrix(a, b)', false],
  ])('%s', (_name, transform, expected) => {
    expect(isMirroredX(transform)).toBe(expected);
  });
});

describe('flipX', () => {
  it.each([
    ['left edge to right edge', { x: 0, width: 10 }, 100, 90],
    ['centred stays', { x: 45, width: 10 }, 100, 45],
    ['past the right edge', { x: 95, width: 10 }, 100, -5],
  ])('%s', (_name, box, width, x) => {
    expect(flipX({ ...box, y: 7 }, width)).toEqual({ ...box, x, y: 7 });
  });
});
