import { describe, expect, it } from 'vitest';
import {
  checkClassifierIds,
  classifyOptionSpecs,
  detectOptionSpecs,
  readClassifyOptions,
  readDetectOptions,
} from './engine-flags.ts';
import { type CommandSpec, parseCommand } from './parse-command.ts';
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
