import { describe, expect, it } from 'vitest';
import { mediaSrcOf } from './media-src.ts';

const stream = (id: string) => ({ id, getTracks: () => [] });

describe('mediaSrcOf', () => {
  it.each([
    ['currentSrc first', { currentSrc: 'https://a/v.webm', src: 'https://a/x' }, 'https://a/v.webm'],
    ['src before load', { currentSrc: '', src: 'https://a/v.webm' }, 'https://a/v.webm'],
    ['a MediaStream (call tile)', { currentSrc: '', src: '', srcObject: stream('abc') }, 'mediastream:abc'],
    ['nothing at all', { currentSrc: '', src: '', srcObject: null }, ''],
    ['another srcObject', { currentSrc: '', src: '', srcObject: new Blob([]) }, 'srcobject:Blob'],
  ])('%s', (_name, element, expected) => {
    expect(mediaSrcOf(element)).toBe(expected);
  });

  it('tells two call tiles apart by their streams', () => {
    expect(mediaSrcOf({ srcObject: stream('a') })).not.toBe(mediaSrcOf({ srcObject: stream('b') }));
  });
});

describe('mediaSrcOf a canvas', () => {
  it('names it by its id, else by a number it keeps', () => {
    expect(mediaSrcOf({ localName: 'canvas', id: 'stage' })).toBe('canvas:#stage');
    const a = { localName: 'canvas', id: '' };
    const b = { localName: 'canvas', id: '' };
    const keyA = mediaSrcOf(a);
    expect(keyA).toMatch(/^canvas:\d+$/);
    expect(mediaSrcOf(b)).not.toBe(keyA);
    expect(mediaSrcOf(a)).toBe(keyA);
  });
});
