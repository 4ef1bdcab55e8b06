import { describe, expect, it } from 'vitest';
import { SMALL_FACES } from './engine-flags.ts';
import { readChoiceList, readNumber, readNumberList, readStringList } from './flag-readers.ts';

describe('number and list readers', () => {
  it.each([
    { text: '0.5', range: { min: 0, max: 1 }, expected: 0.5 },
    { text: ' 1 ', range: { min: 0, max: 1 }, expected: 1 },
    { text: '7', range: { min: 1, max: 10, integer: true }, expected: 7 },
  ])('readNumber $text -> $expected', ({ text, range, expected }) => {
    expect(readNumber({ x: text }, 'x', range)).toBe(expected);
  });
  it.each([
    { text: 'abc', range: { min: 0, max: 1 }, message: /--x expects a number from 0 to 1, got "abc"/ },
    { text: '', range: { min: 0, max: 1 }, message: /--x needs a value/ },
    { text: '1.01', range: { min: 0, max: 1 }, message: /from 0 to 1/ },
    { text: '2.5', range: { min: 1, max: 10, integer: true }, message: /an integer from 1 to 10/ },
    { text: 'Infinity', range: { min: 0, max: 1 }, message: /got "Infinity"/ },
    { text: '0,1', range: { min: 0, max: 1 }, message: /one value here/ },
  ])('readNumber "$text" throws', ({ text, range, message }) => {
    expect(() => readNumber({ x: text }, 'x', range)).toThrow(message);
  });
  it('lists: split on commas, trim, dedupe, validate each', () => {
    expect(readNumberList({ m: '0, 0.1,0.2,0.1' }, 'm', { min: 0, max: 1 })).toEqual([0, 0.1, 0.2]);
    expect(readStringList({ model: 'a,b' }, 'model')).toEqual(['a', 'b']);
    expect(readChoiceList({ s: 'off,tiling' }, 's', SMALL_FACES)).toEqual(['off', 'tiling']);
    expect(readNumberList({}, 'm', { min: 0, max: 1 })).toBeUndefined();
    expect(() => readNumberList({ m: '0,,1' }, 'm', { min: 0, max: 1 })).toThrow(/without empty items/);
    expect(() => readNumberList({ m: '0,5' }, 'm', { min: 0, max: 1 })).toThrow(/got "5"/);
    expect(() => readChoiceList({ s: 'off,big' }, 's', SMALL_FACES)).toThrow(
      /expects one of off, full-range/,
    );
  });
});
