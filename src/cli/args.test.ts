import { describe, expect, it } from 'vitest';
import {
  type CommandSpec,
  UsageError,
  checkClassifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
  formatHelp,
  parseCommand,
  readClassifyOptions,
  readDetectOptions,
  readNumber,
  readNumberList,
  readChoiceList,
  readStringList,
  SMALL_FACES,
} from './args.ts';
import { FAKE_MANIFEST } from './fake-engine.test-helper.ts';

const SPEC: CommandSpec = {
  command: 'demo',
  usage: ['npm run demo -- <files...>'],
  description: 'A demo command.',
  positionals: true,
  options: {
    json: { type: 'boolean', description: 'JSON out' },
    ...classifyOptionSpecs(true),
    ...detectOptionSpecs(true),
  },
};

function values(argv: string[]) {
  const parsed = parseCommand(SPEC, argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.values;
}

describe('parseCommand', () => {
  it('parses flags, values and positionals', () => {
    const parsed = parseCommand(SPEC, ['a.jpg', '--json', '--model', 'x', 'b.jpg', '-m', 'y']);
    expect(parsed).toEqual({
      help: false,
      values: { json: true, model: 'y' },
      positionals: ['a.jpg', 'b.jpg'],
    });
  });
  it.each([['--help'], ['-h'], ['a.jpg', '--help', '--bogus']])('%s -> help', (...argv) => {
    // --help wins only when parsing succeeds; an unknown option is still an error.
    if (argv.includes('--bogus')) expect(() => parseCommand(SPEC, argv)).toThrow(UsageError);
    else expect(parseCommand(SPEC, argv)).toEqual({ help: true });
  });
  it.each([
    { argv: ['--nope'], message: /demo: Unknown option '--nope'/ },
    { argv: ['--model'], message: /--model/ },
    { argv: ['--json=1'], message: /--json/ },
  ])('$argv -> UsageError', ({ argv, message }) => {
    expect(() => parseCommand(SPEC, argv)).toThrow(message);
    expect(() => parseCommand(SPEC, argv)).toThrow(/npm run demo -- --help/);
  });
  it('refuses positionals when the command takes none', () => {
    expect(() => parseCommand({ ...SPEC, positionals: false }, ['a.jpg'])).toThrow(UsageError);
  });
});

describe('formatHelp', () => {
  it('aligns every option with its description and adds --help', () => {
    const help = formatHelp(SPEC);
    expect(help).toMatch(/^Usage: npm run demo -- <files\.\.\.>\n\nA demo command\.\n\nOptions:\n/);
    const optionLines = help.split('\n').filter((l) => /^ {2}(-\w, |\s{4})--/.test(l));
    expect(optionLines.length).toBe(Object.keys(SPEC.options).length + 1);
    // Descriptions start in one column: after the longest flag and two spaces.
    const starts = Object.values(SPEC.options).map((o) => {
      const line = optionLines.find((l) => l.endsWith(o.description)) ?? '';
      return line.length - o.description.length;
    });
    expect(new Set(starts).size).toBe(1);
    expect(help).toContain('-m, --model <id[,id..]>');
    expect(help).toContain('-h, --help');
  });
});

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

describe('engine option readers', () => {
  it('map flags to engine options, leaving absent ones to the engine defaults', () => {
    expect(readDetectOptions(values([]))).toEqual({});
    expect(readClassifyOptions(values([]))).toEqual({});
    expect(
      readDetectOptions(
        values([
          '--min-score',
          '0.7',
          '--nms-iou',
          '0.4',
          '--small-faces',
          'full-range+tiling',
          '--no-large-faces',
          '--max-faces',
          '3',
        ]),
      ),
    ).toEqual({
      minScore: 0.7,
      nmsIoU: 0.4,
      smallFaces: 'full-range+tiling',
      largeFaces: false,
      maxFaces: 3,
    });
    expect(readDetectOptions(values(['--large-faces']))).toEqual({ largeFaces: true });
    expect(readClassifyOptions(values(['--model', 'fake-b', '--margin', '0.25', '--upright-crop']))).toEqual({
      classifierId: 'fake-b',
      cropMargin: 0.25,
      uprightCrop: true,
    });
  });
  it.each([
    { argv: ['--large-faces', '--no-large-faces'], message: /contradict/ },
    { argv: ['--max-faces', '0'], message: /--max-faces expects an integer from 1/ },
    { argv: ['--model', 'a,b'], message: /--model takes one id here/ },
    { argv: ['--margin', '3'], message: /--margin expects a number from -0.4 to 2/ },
  ])('$argv throws', ({ argv, message }) => {
    expect(() => ({ ...readDetectOptions(values(argv)), ...readClassifyOptions(values(argv)) })).toThrow(
      message,
    );
  });
  it('checkClassifierIds names the available classifiers', () => {
    expect(() => checkClassifierIds(FAKE_MANIFEST, ['fake-a', 'fake-b'])).not.toThrow();
    expect(() => checkClassifierIds(FAKE_MANIFEST, ['fake-c'])).toThrow(
      '--model fake-c: no such classifier in models/manifest.json; available: fake-a, fake-b',
    );
  });
});
