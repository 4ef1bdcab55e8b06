/**
 * A pickle interpreter that only BUILDS DATA. Loading a pickle with Python's own `pickle` can run any code
 * (a GLOBAL names any function, REDUCE calls it), so a downloaded checkpoint must never be "loaded" that way.
 * This reads the protocol-2 subset that `torch.save(state_dict)` writes: tuples, lists, dicts, ints, floats,
 * strings, the memo, persistent ids (tensor storages) and only the globals on the caller's explicit
 * allow-list, which are data constructors implemented here in TypeScript. Every other opcode or global
 * refuses the file with an error naming it. Nothing is ever called by name.
 * Opcodes: https://github.com/python/cpython/blob/3.12/Lib/pickletools.py (docs of each opcode).
 * Pure: no DOM, no Node APIs.
 * Why one file of ~350 lines: the interpreter is one loop over one opcode table; splitting it would spread
 * the stack, the memo and the refusal rules over modules that only make sense together.
 */
import { CheckpointError } from './checkpoint-error.ts';
import { CODE_OPCODES, OPCODE_NAMES } from './pickle-opcodes.ts';

/** Values that can be dict keys here (a state_dict's keys are strings; its metadata has ints). */
export type PickleKey = string | number | bigint | boolean | null;
export type PickleValue = PickleKey | PickleTuple | PickleValue[] | PickleDict | PickleGlobal | PickleOpaque;
/** A Python tuple: a frozen array (lists are plain, mutable arrays). */
export type PickleTuple = readonly PickleValue[];

/** dict and collections.OrderedDict (a JS Map keeps insertion order, which is all OrderedDict adds). */
export class PickleDict extends Map<PickleKey, PickleValue> {
  /** Instance attributes set by BUILD, e.g. a state_dict's `_metadata` (module versions). */
  readonly attributes = new Map<string, PickleValue>();
}

/** A reference to an allow-listed global (e.g. torch.FloatStorage used as a dtype tag). Never callable by itself. */
export class PickleGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

/** A value made by an allow-listed constructor or the persistent loader (e.g. a tensor reference). */
export class PickleOpaque<T = unknown> {
  constructor(
    readonly kind: string,
    readonly value: T,
  ) {}
}

export interface AllowedGlobal {
  /** Implements REDUCE on this global, in TypeScript; absent: it may be referenced but never called. */
  call?: (args: PickleTuple) => PickleValue;
}

export interface UnpickleOptions {
  /** The only globals the pickle may name, keyed by "module.name". Nothing is allowed by default. */
  globals: ReadonlyMap<string, AllowedGlobal>;
  /** Resolves BINPERSID ids (PyTorch: the storage tuples); without it a persistent id refuses the file. */
  persistentLoad?: (pid: PickleValue) => PickleValue;
  /** Names the pickle in messages, e.g. "archive/data.pkl". */
  source?: string;
  /** Appended to safety refusals: how to produce a file that is accepted. */
  refusalHint?: string;
}

/** Highest pickle protocol accepted by PROTO (torch.save writes protocol 2 by default). */
const MAX_PROTOCOL = 2;

const isTuple = (v: PickleValue): v is PickleTuple => Array.isArray(v) && Object.isFrozen(v);
const isList = (v: PickleValue): v is PickleValue[] => Array.isArray(v) && !Object.isFrozen(v);
const isKey = (v: PickleValue): v is PickleKey =>
  v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v);

export function describePickleValue(v: PickleValue): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return 'str';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'boolean') return 'bool';
  if (isTuple(v)) return `tuple of ${v.length}`;
  if (Array.isArray(v)) return `list of ${v.length}`;
  if (v instanceof PickleDict) return 'dict';
  if (v instanceof PickleGlobal) return v.qualifiedName;
  return v.kind;
}

/** Interprets a pickle as data. Throws CheckpointError ('refused' or 'format') on anything else. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const source = options.source ?? 'the pickle';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = new TextDecoder('utf-8', { fatal: true });
  const allowedList = [...options.globals.keys()].join(', ') || '(none)';
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;
  let opStart = 0;
  let opName = '';

  const where = (): string => `${opName} at byte ${opStart} of ${source}`;
  // Function declarations (not arrow constants) so that TypeScript narrows after a call that never returns.
  function format(message: string): never {
    throw new CheckpointError(
      'format',
      `Pickle: ${message} (${where()}). The checkpoint is damaged or not a PyTorch state_dict.`,
    );
  }
  function refuse(what: string): never {
    throw new CheckpointError(
      'refused',
      `Refused for safety: ${what} (${where()}). A PyTorch state_dict needs only ${allowedList}. ` +
        'Loading a pickle can run any code, so this importer never executes one and refuses files that ask for ' +
        `anything else.${options.refusalHint ? ` ${options.refusalHint}` : ''}`,
    );
  }
  const need = (n: number): number => {
    if (pos + n > bytes.length)
      format(`the data ends in the middle of an opcode (needs ${n} more bytes); the file is truncated`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PickleValue => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1]!))
      format('the stack is empty');
    return stack.pop()!;
  };
  const top = (): PickleValue => {
    if (stack.length === 0) format('the stack is empty');
    return stack[stack.length - 1]!;
  };
  const popMark = (): PickleValue[] => {
    const mark = marks.pop();
    if (mark === undefined) format('no MARK on the stack');
    return stack.splice(mark);
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) format('a text argument has no end of line; the file is truncated');
    const at = pos;
    pos = end + 1;
    return decode(at, end);
  };
  const decode = (from: number, to: number): string => {
    try {
      return text.decode(bytes.subarray(from, to));
    } catch {
      return format('a string is not valid UTF-8');
    }
  };
  const readString = (length: number): string => {
    const at = need(length);
    return decode(at, at + length);
  };
  const setItems = (dict: PickleValue, items: PickleValue[]): void => {
    if (!(dict instanceof PickleDict)) format(`the target is a ${describePickleValue(dict)}, not a dict`);
    if (items.length % 2 !== 0) format('an odd number of items for key/value pairs');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i]!;
      if (!isKey(key))
        format(
          `a dict key is a ${describePickleValue(key)}; only str, int, bool and None keys are supported`,
        );
      dict.set(key, items[i + 1]!);
    }
  };
  const memoGet = (index: number): void => {
    const value = memo.get(index);
    if (value === undefined) format(`memo slot ${index} is empty`);
    stack.push(value);
  };
  const memoPut = (index: number): void => {
    memo.set(index, top());
  };

  for (;;) {
    opStart = pos;
    if (pos >= bytes.length) {
      opName = 'end';
      format('the pickle ends without STOP; the file is truncated');
    }
    const op = bytes[pos++]!;
    opName = OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
    switch (op) {
      case 0x80: {
        // PROTO
        const protocol = bytes[need(1)]!;
        if (protocol > MAX_PROTOCOL) {
          format(
            `pickle protocol ${protocol} is not supported (torch.save writes protocol 2); re-save with torch.save(state_dict, path)`,
          );
        }
        break;
      }
      case 0x2e: {
        // STOP
        if (stack.length !== 1 || marks.length !== 0)
          format(`STOP with ${stack.length} values and ${marks.length} marks on the stack`);
        return stack[0]!;
      }
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(Object.freeze([]));
        break;
      case 0x74: // TUPLE
        stack.push(Object.freeze(popMark()));
        break;
      case 0x85: // TUPLE1
      case 0x86: // TUPLE2
      case 0x87: {
        // TUPLE3
        const n = op - 0x84;
        const items: PickleValue[] = [];
        for (let i = 0; i < n; i++) items.unshift(pop());
        stack.push(Object.freeze(items));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x61: {
        // APPEND
        const value = pop();
        const list = top();
        if (!isList(list)) format(`the target is a ${describePickleValue(list)}, not a list`);
        list.push(value);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const list = top();
        if (!isList(list)) format(`the target is a ${describePickleValue(list)}, not a list`);
        // One by one: spreading a 300k-item mark would overflow the call stack.
        for (const item of items) list.push(item);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict());
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(bytes[need(1)]!);
        break;
      case 0x4d: // BININT2
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x4a: // BININT
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x8a: {
        // LONG1: little-endian two's complement of n bytes
        const n = bytes[need(1)]!;
        const at = need(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
        const asNumber = Number(value);
        stack.push(Number.isSafeInteger(asNumber) ? asNumber : value);
        break;
      }
      case 0x47: // BINFLOAT: big-endian double
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE
        stack.push(readString(view.getUint32(need(4), true)));
        break;
      case 0x71: // BINPUT
        memoPut(bytes[need(1)]!);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(view.getUint32(need(4), true));
        break;
      case 0x68: // BINGET
        memoGet(bytes[need(1)]!);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(view.getUint32(need(4), true));
        break;
      case 0x63: {
        // GLOBAL: refused here, before anything could use it, unless allow-listed.
        const module = readLine();
        const name = readLine();
        const qualified = `${module}.${name}`;
        if (!options.globals.has(qualified)) refuse(`the pickle asks for the global "${qualified}"`);
        stack.push(new PickleGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE: only allow-listed globals with a TypeScript implementation.
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal))
          refuse(`the pickle calls a ${describePickleValue(callable)}`);
        const call = options.globals.get(callable.qualifiedName)?.call;
        if (!call) refuse(`the pickle calls "${callable.qualifiedName}", which may only be referenced`);
        if (!isTuple(args))
          format(
            `the arguments of ${callable.qualifiedName} are a ${describePickleValue(args)}, not a tuple`,
          );
        stack.push(call(args));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!options.persistentLoad) refuse('the pickle refers to external objects (persistent ids)');
        stack.push(options.persistentLoad(pid));
        break;
      }
      case 0x62: {
        // BUILD: in Python this may call __setstate__; here it only sets attributes of a dict (state_dict._metadata).
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict) || !(state instanceof PickleDict)) {
          refuse(
            `BUILD sets the state of a ${describePickleValue(target)} from a ${describePickleValue(state)}`,
          );
        }
        for (const [key, value] of state) {
          if (typeof key !== 'string') format('an attribute name is not a string');
          target.attributes.set(key, value);
        }
        break;
      }
      default:
        if (CODE_OPCODES.has(opName)) refuse(`the pickle uses ${opName}, which imports or calls code`);
        format(
          OPCODE_NAMES[op]
            ? `opcode ${opName} is not one that torch.save writes for a state_dict`
            : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`,
        );
    }
  }
}
