import { describe, expect, it } from 'vitest';
import { CheckpointError } from './checkpoint-error.ts';
import {
  type AllowedGlobal,
  PickleDict,
  PickleGlobal,
  PickleOpaque,
  type PickleValue,
  unpickle,
} from './safe-unpickler.ts';
import { STATE_DICT_GLOBALS } from './state-dict.ts';
import { PickleWriter } from './test-checkpoint-writer.ts';

const NONE_ALLOWED = new Map<string, AllowedGlobal>();
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Exactly what CPython 3.11 `pickle.dumps(obj, protocol=2)` writes for these objects. */
const PYTHON_PICKLES = {
  // class A: __reduce__ = lambda self: (os.system, ('echo pwned',))  -> os.system pickles as posix.system
  osSystem: bytesOf('\x80\x02cposix\nsystem\nq\x00X\n\x00\x00\x00echo pwnedq\x01\x85q\x02Rq\x03.'),
  // class B: __reduce__ = lambda self: (builtins.eval, ('__import__("os").system("echo pwned")',))
  builtinsEval: bytesOf(
    '\x80\x02c__builtin__\neval\nq\x00X%\x00\x00\x00__import__("os").system("echo pwned")q\x01\x85q\x02Rq\x03.',
  ),
  // {'k': (1, -2, 70000, 2**40, -2**70, 1.5, 'é', True, None, [1, 2])}
  data: bytesOf(
    '\x80\x02}q\x00X\x01\x00\x00\x00kq\x01(K\x01J\xfe\xff\xff\xffJp\x11\x01\x00\x8a\x06\x00\x00\x00\x00\x00\x01' +
      '\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00\xc0G?\xf8\x00\x00\x00\x00\x00\x00X\x02\x00\x00\x00\xc3\xa9q\x02\x88N]q\x03(K\x01K\x02etq\x04s.',
  ),
};

function refusal(
  bytes: Uint8Array,
  globals: ReadonlyMap<string, AllowedGlobal> = STATE_DICT_GLOBALS,
): CheckpointError {
  try {
    unpickle(bytes, { globals, source: 'test.pkl' });
  } catch (error) {
    expect(error).toBeInstanceOf(CheckpointError);
    return error as CheckpointError;
  }
  throw new Error('expected the pickle to be refused');
}

describe('unpickle: data', () => {
  it('reads what CPython writes: ints of every width, floats, unicode, bools, None, tuples, lists, dicts', () => {
    const value = unpickle(PYTHON_PICKLES.data, { globals: NONE_ALLOWED });
    expect(value).toBeInstanceOf(PickleDict);
    const tuple = (value as PickleDict).get('k') as PickleValue[];
    expect(Object.isFrozen(tuple)).toBe(true);
    expect(tuple.slice(0, 9)).toEqual([1, -2, 70000, 2 ** 40, -(2n ** 70n), 1.5, 'é', true, null]);
    expect(tuple[9]).toEqual([1, 2]);
    expect(Object.isFrozen(tuple[9])).toBe(false);
  });

  it("shares memoised objects and sets dict attributes with BUILD (a state_dict's _metadata)", () => {
    const bytes = new PickleWriter()
      .proto()
      .global('collections', 'OrderedDict')
      .emptyTuple()
      .reduce()
      .put()
      .mark()
      .str('a')
      .emptyList()
      .put()
      .str('b')
      .get(1)
      .setitems()
      .emptyDict()
      .str('_metadata')
      .emptyDict()
      .str('version')
      .int(1)
      .setitem()
      .setitem()
      .build()
      .stop()
      .finish();
    const value = unpickle(bytes, { globals: STATE_DICT_GLOBALS }) as PickleDict;
    expect([...value.keys()]).toEqual(['a', 'b']);
    expect(value.get('a')).toBe(value.get('b'));
    expect((value.attributes.get('_metadata') as PickleDict).get('version')).toBe(1);
  });

  it('hands persistent ids to the loader and references allowed globals without calling them', () => {
    const seen: PickleValue[] = [];
    const value = unpickle(
      new PickleWriter()
        .proto()
        .mark()
        .str('storage')
        .global('torch', 'FloatStorage')
        .str('0')
        .tuple()
        .binpersid()
        .stop()
        .finish(),
      {
        globals: STATE_DICT_GLOBALS,
        persistentLoad: (pid) => {
          seen.push(pid);
          return new PickleOpaque('storage', 42);
        },
      },
    );
    expect((value as PickleOpaque).value).toBe(42);
    expect((seen[0] as PickleValue[])[1]).toEqual(new PickleGlobal('torch', 'FloatStorage'));
  });
});

describe('unpickle: refuses anything that is not data', () => {
  it.each([
    ['os.system as CPython pickles it (posix.system)', PYTHON_PICKLES.osSystem, 'posix.system'],
    [
      'builtins.eval as CPython pickles it (__builtin__.eval)',
      PYTHON_PICKLES.builtinsEval,
      '__builtin__.eval',
    ],
    [
      'os.system',
      new PickleWriter().proto().global('os', 'system').str('echo pwned').op(0x85).reduce().stop().finish(),
      'os.system',
    ],
    [
      'builtins.eval',
      new PickleWriter().proto().global('builtins', 'eval').str('1+1').op(0x85).reduce().stop().finish(),
      'builtins.eval',
    ],
    [
      'a torch global outside the allow-list',
      new PickleWriter().proto().global('torch', 'load').emptyTuple().reduce().stop().finish(),
      'torch.load',
    ],
  ])('%s: the GLOBAL itself is refused, naming it', (_what, bytes, name) => {
    const error = refusal(bytes);
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(
      `Refused for safety: the pickle asks for the global "${name}" (GLOBAL at byte 2 of test.pkl)`,
    );
    expect(error.message).toContain(
      'A PyTorch state_dict needs only collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch.FloatStorage, torch.LongStorage.',
    );
    expect(error.message).toContain('this importer never executes one');
  });

  it('refuses every global when the allow-list is empty', () => {
    const error = refusal(
      new PickleWriter().proto().global('collections', 'OrderedDict').stop().finish(),
      NONE_ALLOWED,
    );
    expect(error.message).toMatch(/asks for the global "collections.OrderedDict".*needs only \(none\)/);
  });

  it.each([
    ['STACK_GLOBAL', new PickleWriter().proto().str('os').str('system').op(0x93).stop().finish()],
    ['INST', new PickleWriter().proto().mark().op(0x69).raw(bytesOf('os\nsystem\n')).stop().finish()],
    ['OBJ', new PickleWriter().proto().mark().global('torch', 'FloatStorage').op(0x6f).stop().finish()],
    [
      'NEWOBJ',
      new PickleWriter().proto().global('torch', 'FloatStorage').emptyTuple().op(0x81).stop().finish(),
    ],
    ['EXT1', new PickleWriter().proto().op(0x82, 1).stop().finish()],
    ['PERSID', new PickleWriter().proto().op(0x50).raw(bytesOf('x\n')).stop().finish()],
  ])('refuses %s, which imports or calls code', (opcode, bytes) => {
    const error = refusal(bytes);
    expect(error.kind).toBe('refused');
    expect(error.message).toContain(
      `the pickle uses ${opcode}, which imports or calls code (${opcode} at byte`,
    );
  });

  it('refuses calling a global that may only be referenced', () => {
    const error = refusal(
      new PickleWriter().proto().global('torch', 'FloatStorage').emptyTuple().reduce().stop().finish(),
    );
    expect(error.message).toContain(
      'the pickle calls "torch.FloatStorage", which may only be referenced (REDUCE at byte',
    );
  });

  it('refuses REDUCE on something that is not a global', () => {
    const error = refusal(new PickleWriter().proto().str('os.system').emptyTuple().reduce().stop().finish());
    expect(error.message).toContain('the pickle calls a str (REDUCE at byte');
  });

  it('refuses BUILD on anything but a dict (it would call __setstate__ in Python)', () => {
    const error = refusal(new PickleWriter().proto().emptyList().emptyDict().build().stop().finish());
    expect(error.message).toContain('BUILD sets the state of a list of 0 from a dict');
  });

  it('refuses persistent ids when no loader is given', () => {
    const error = refusal(new PickleWriter().proto().str('x').binpersid().stop().finish());
    expect(error.message).toContain(
      'the pickle refers to external objects (persistent ids) (BINPERSID at byte 8',
    );
  });
});

describe('unpickle: damaged pickles', () => {
  const format = (bytes: Uint8Array): string => {
    const error = refusal(bytes, NONE_ALLOWED);
    expect(error.kind).toBe('format');
    return error.message;
  };

  it.each([
    [
      'a pickle without STOP',
      new PickleWriter().proto().int(1).finish(),
      'the pickle ends without STOP; the file is truncated',
    ],
    [
      'a string cut short',
      new PickleWriter().proto().str('hello').finish().subarray(0, 9),
      'ends in the middle of an opcode',
    ],
    ['protocol 4', new PickleWriter().proto(4).none().stop().finish(), 'pickle protocol 4 is not supported'],
    ['an unknown opcode', new PickleWriter().proto().op(0xff).stop().finish(), 'unknown opcode 0xff'],
    [
      'a data opcode torch.save never writes',
      new PickleWriter().proto().op(0x8f).stop().finish(),
      'opcode EMPTY_SET is not one that torch.save writes',
    ],
    [
      'a string that is not UTF-8',
      new PickleWriter().proto().op(0x58, 1, 0, 0, 0, 0xff).stop().finish(),
      'a string is not valid UTF-8',
    ],
    ['an empty memo slot', new PickleWriter().proto().get(7).stop().finish(), 'memo slot 7 is empty'],
    [
      'SETITEMS on a list',
      new PickleWriter().proto().emptyList().mark().int(1).int(2).setitems().stop().finish(),
      'the target is a list of 0, not a dict',
    ],
    [
      'APPEND to a tuple',
      new PickleWriter().proto().emptyTuple().int(1).append().stop().finish(),
      'the target is a tuple of 0, not a list',
    ],
    [
      'a tuple used as a dict key',
      new PickleWriter().proto().emptyDict().emptyTuple().int(1).setitem().stop().finish(),
      'a dict key is a tuple of 0',
    ],
    [
      'two values left at STOP',
      new PickleWriter().proto().int(1).int(2).stop().finish(),
      'STOP with 2 values',
    ],
    ['popping an empty stack', new PickleWriter().proto().setitem().stop().finish(), 'the stack is empty'],
  ])('%s', (_what, bytes, message) => {
    expect(format(bytes)).toContain(message);
  });
});
