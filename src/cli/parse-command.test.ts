import { describe, expect, it } from 'vitest';
import { classifyOptionSpecs, detectOptionSpecs } from './engine-flags.ts';
import { type CommandSpec, UsageError, formatHelp, parseCommand } from './parse-command.ts';

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
