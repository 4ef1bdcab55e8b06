import { describe, expect, it } from 'vitest';
import { parseCsv, parseCsvRows } from './csv.ts';

describe('parseCsvRows', () => {
  it.each([
    {
      name: 'plain',
      text: 'a,b\n1,2\n',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'no final newline',
      text: 'a,b\n1,2',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'CRLF',
      text: 'a,b\r\n1,2\r\n',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'BOM',
      text: '\uFEFFa,b\n1,2\n',
      rows: [
        ['a', 'b'],
        ['1', '2'],
      ],
    },
    {
      name: 'empty fields',
      text: 'a,,c\n,,\n',
      rows: [
        ['a', '', 'c'],
        ['', '', ''],
      ],
    },
    { name: 'blank lines skipped', text: 'a\n\n1\n\r\n2\n', rows: [['a'], ['1'], ['2']] },
    {
      name: 'quoted comma',
      text: 'a,b\n"x, y",2\n',
      rows: [
        ['a', 'b'],
        ['x, y', '2'],
      ],
    },
    { name: 'escaped quote', text: '"say ""hi""",b\n', rows: [['say "hi"', 'b']] },
    {
      name: 'newline in quotes',
      text: '"line1\nline2",b\nc,d\n',
      rows: [
        ['line1\nline2', 'b'],
        ['c', 'd'],
      ],
    },
    { name: 'quoted empty', text: '"",x\n""\n', rows: [['', 'x'], ['']] },
    { name: 'empty input', text: '', rows: [] },
  ])('$name', ({ text, rows }) => {
    expect(parseCsvRows(text).map((r) => r.fields)).toEqual(rows);
  });

  it('records the line each row starts on', () => {
    expect(parseCsvRows('h\n"a\nb"\n\nc\n').map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it.each([
    {
      name: 'unclosed quote',
      text: 'a\n"oops\n',
      message: /labels.csv line 2: a quoted field is never closed/,
    },
    {
      name: 'quote inside field',
      text: 'a\nab"c"\n',
      message: /labels.csv line 2: a quote inside an unquoted field/,
    },
    { name: 'text after quote', text: '"a"b\n', message: /labels.csv line 1: text after a closing quote/ },
  ])('$name throws', ({ text, message }) => {
    expect(() => parseCsvRows(text, 'labels.csv')).toThrow(message);
  });
});

describe('parseCsv', () => {
  it('keys rows by header', () => {
    const table = parseCsv('path,label\nimages/a.jpg,anger\n"images/b, c.jpg",fear\n');
    expect(table.header).toEqual(['path', 'label']);
    expect(table.rows).toEqual([
      { path: 'images/a.jpg', label: 'anger' },
      { path: 'images/b, c.jpg', label: 'fear' },
    ]);
    expect(table.lines).toEqual([2, 3]);
  });
  it.each([
    { name: 'empty', text: '', message: /x.csv: empty, expected a header row/ },
    {
      name: 'missing column',
      text: 'path,lbl\na,b\n',
      message: /x.csv: missing column\(s\) label; the header has path, lbl/,
    },
    { name: 'ragged row', text: 'path,label\na,b\nc\n', message: /x.csv line 3: 1 field\(s\), expected 2/ },
  ])('$name throws', ({ text, message }) => {
    expect(() => parseCsv(text, { source: 'x.csv', required: ['path', 'label'] })).toThrow(message);
  });
});
