/**
 * Reads a TensorFlow.js graph model (model.json, format "graph-model"): its nodes, ops and attributes, decoded from
 * the protobuf-JSON form that tfjs-converter writes (GraphDef's NodeDef/AttrValue, see
 * https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/framework/attr_value.proto): int64 values
 * arrive as decimal strings, `s` (bytes) values as base64, Const tensors as a dtype and shape whose values live in
 * the weights manifest (or, rarely, inline as base64 `tensorContent`).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { readWeightGroups, type TfjsWeightMap, type TfjsWeightsGroup } from './tfjs-weights.ts';

export interface TfjsTensorAttr {
  dtype: string;
  /** -1 for an unknown dimension. */
  shape: number[];
  /** Inline packed values (base64 `tensorContent`), when the converter put them in the topology. */
  content?: Uint8Array;
}

export type TfjsAttr =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'type'; value: string }
  | { kind: 'shape'; value: number[] | null }
  | { kind: 'tensor'; value: TfjsTensorAttr }
  | { kind: 'list'; strings: string[]; ints: number[]; floats: number[]; bools: boolean[]; types: string[] }
  | { kind: 'other'; raw: unknown };

/** One input of a node: output `index` of node `node`. */
export interface TfjsTensorRef {
  node: string;
  index: number;
}

export interface TfjsNode {
  name: string;
  op: string;
  inputs: TfjsTensorRef[];
  /** Control dependencies ("^name"); they carry no data. */
  controlInputs: string[];
  attrs: Record<string, TfjsAttr>;
}

export interface TfjsGraph {
  format: string;
  /** The model's origin as model.json states it (generatedBy / convertedBy). */
  generatedBy: string | null;
  convertedBy: string | null;
  /** Nodes in file order. */
  nodes: TfjsNode[];
  /** Placeholder node names (signature order when the model has a signature). */
  inputs: string[];
  /** Graph outputs: the signature's, or else every non-Const node that nothing reads. */
  outputs: TfjsTensorRef[];
  weightGroups: TfjsWeightsGroup[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function decodeBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

function decodeBase64Text(s: string): string {
  return Buffer.from(s, 'base64').toString('utf8');
}

/** protobuf-JSON writes int64 as strings and float specials as "NaN"/"Infinity". */
function toNumber(v: unknown, where: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : Number.NaN;
  if (Number.isNaN(n) && v !== 'NaN')
    throw new Error(`${where}: expected a number, got ${JSON.stringify(v)}`);
  return n;
}

function parseShape(v: unknown, where: string): number[] | null {
  if (!isObject(v)) return null;
  if (v.unknownRank === true) return null;
  const dims = Array.isArray(v.dim) ? v.dim : [];
  return dims.map((d, i) =>
    isObject(d) && d.size !== undefined ? toNumber(d.size, `${where} dim ${i}`) : -1,
  );
}

function parseTensorAttr(v: Json, where: string): TfjsTensorAttr {
  const dtype = typeof v.dtype === 'string' ? v.dtype : 'DT_INVALID';
  const shape = parseShape(v.tensorShape, where) ?? [];
  const tensor: TfjsTensorAttr = { dtype, shape };
  if (typeof v.tensorContent === 'string') tensor.content = decodeBase64(v.tensorContent);
  return tensor;
}

function parseList(v: Json, where: string): TfjsAttr {
  const arr = (key: string): unknown[] => (Array.isArray(v[key]) ? (v[key] as unknown[]) : []);
  return {
    kind: 'list',
    strings: arr('s').map((s) => decodeBase64Text(String(s))),
    ints: arr('i').map((i, k) => toNumber(i, `${where}[${k}]`)),
    floats: arr('f').map((f, k) => toNumber(f, `${where}[${k}]`)),
    bools: arr('b').map((b) => b === true),
    types: arr('type').map(String),
  };
}

/** Decodes one AttrValue (exactly one of its fields is set). */
export function parseAttr(v: unknown, where: string): TfjsAttr {
  if (!isObject(v)) return { kind: 'other', raw: v };
  if ('s' in v) return { kind: 'string', value: decodeBase64Text(String(v.s)) };
  if ('i' in v) return { kind: 'int', value: toNumber(v.i, where) };
  if ('f' in v) return { kind: 'float', value: toNumber(v.f, where) };
  if ('b' in v) return { kind: 'bool', value: v.b === true };
  if ('type' in v) return { kind: 'type', value: String(v.type) };
  if ('shape' in v) return { kind: 'shape', value: parseShape(v.shape, where) };
  if ('tensor' in v && isObject(v.tensor)) return { kind: 'tensor', value: parseTensorAttr(v.tensor, where) };
  if ('list' in v && isObject(v.list)) return parseList(v.list, where);
  return { kind: 'other', raw: v };
}

/** "name", "name:1" or "^name" (control). */
export function parseTensorRef(ref: string): TfjsTensorRef {
  const colon = ref.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(ref.slice(colon + 1))) {
    return { node: ref.slice(0, colon), index: Number(ref.slice(colon + 1)) };
  }
  return { node: ref, index: 0 };
}

function parseNode(raw: unknown, position: number): TfjsNode {
  if (!isObject(raw) || typeof raw.name !== 'string' || typeof raw.op !== 'string') {
    throw new Error(`TFJS graph: node #${position} needs string "name" and "op"`);
  }
  const name = raw.name;
  const inputs: TfjsTensorRef[] = [];
  const controlInputs: string[] = [];
  for (const input of Array.isArray(raw.input) ? raw.input : []) {
    const ref = String(input);
    if (ref.startsWith('^')) controlInputs.push(ref.slice(1));
    else inputs.push(parseTensorRef(ref));
  }
  const attrs: Record<string, TfjsAttr> = {};
  if (isObject(raw.attr)) {
    for (const key of Object.keys(raw.attr).sort())
      attrs[key] = parseAttr(raw.attr[key], `node "${name}" attr ${key}`);
  }
  return { name, op: raw.op, inputs, controlInputs, attrs };
}

function signatureRefs(signature: unknown, key: 'inputs' | 'outputs'): TfjsTensorRef[] | null {
  if (!isObject(signature) || !isObject(signature[key])) return null;
  return Object.values(signature[key]).map((spec) => {
    if (!isObject(spec) || typeof spec.name !== 'string')
      throw new Error(`TFJS graph: malformed signature ${key}`);
    return parseTensorRef(spec.name);
  });
}

/** Parses model.json's object; throws on anything that is not a TFJS graph model. */
export function parseGraphModel(json: unknown): TfjsGraph {
  if (!isObject(json) || !isObject(json.modelTopology)) {
    throw new Error('TFJS graph: expected a model.json object with "modelTopology"');
  }
  if (json.format !== undefined && json.format !== 'graph-model') {
    throw new Error(
      `TFJS graph: format is ${JSON.stringify(json.format)}, expected "graph-model" (layers models are not supported)`,
    );
  }
  const topology = json.modelTopology;
  const rawNodes = Array.isArray(topology.node) ? topology.node : [];
  const nodes = rawNodes.map(parseNode);
  const names = new Set<string>();
  for (const node of nodes) {
    if (names.has(node.name)) throw new Error(`TFJS graph: two nodes are named "${node.name}"`);
    names.add(node.name);
  }
  for (const node of nodes) {
    for (const ref of [...node.inputs.map((r) => r.node), ...node.controlInputs]) {
      if (!names.has(ref))
        throw new Error(`TFJS graph: node "${node.name}" reads "${ref}", which is not in the graph`);
    }
  }
  if (
    isObject(topology.library) &&
    Array.isArray(topology.library.function) &&
    topology.library.function.length > 0
  ) {
    throw new Error('TFJS graph: the model has a function library (control flow), which is not supported');
  }

  const signature = isObject(json.userDefinedMetadata) ? json.userDefinedMetadata.signature : json.signature;
  const placeholders = nodes.filter((n) => n.op === 'Placeholder').map((n) => n.name);
  const inputs = signatureRefs(signature, 'inputs')?.map((r) => r.node) ?? placeholders;
  const consumed = new Set(nodes.flatMap((n) => n.inputs.map((r) => r.node)));
  const outputs =
    signatureRefs(signature, 'outputs') ??
    nodes.filter((n) => n.op !== 'Const' && !consumed.has(n.name)).map((n) => ({ node: n.name, index: 0 }));
  for (const ref of [...inputs, ...outputs.map((r) => r.node)]) {
    if (!names.has(ref))
      throw new Error(`TFJS graph: the signature names "${ref}", which is not in the graph`);
  }

  return {
    format: typeof json.format === 'string' ? json.format : 'graph-model',
    generatedBy: typeof json.generatedBy === 'string' ? json.generatedBy : null,
    convertedBy: typeof json.convertedBy === 'string' ? json.convertedBy : null,
    nodes,
    inputs,
    outputs,
    weightGroups: Array.isArray(json.weightsManifest) ? (json.weightsManifest as TfjsWeightsGroup[]) : [],
  };
}

/** Reads model.json and its weight shards (paths relative to model.json). */
export async function readGraphModel(
  modelJsonPath: string,
): Promise<{ graph: TfjsGraph; weights: TfjsWeightMap }> {
  const graph = parseGraphModel(JSON.parse(await readFile(modelJsonPath, 'utf8')) as unknown);
  const weights = await readWeightGroups(graph.weightGroups, path.dirname(modelJsonPath));
  return { graph, weights };
}

/** How many nodes of each op the graph has, ops sorted by name. */
export function opCensus(graph: TfjsGraph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const op of graph.nodes.map((n) => n.op).sort()) counts[op] = (counts[op] ?? 0) + 1;
  return counts;
}

// Typed attribute access: each throws an error naming the node when the attribute is missing or of another kind.

function attrOf(node: TfjsNode, key: string): TfjsAttr {
  const a = node.attrs[key];
  if (!a) throw new Error(`TFJS graph: node "${node.name}" (${node.op}) has no attribute "${key}"`);
  return a;
}

function kindError(node: TfjsNode, key: string, expected: string, got: TfjsAttr): Error {
  return new Error(
    `TFJS graph: node "${node.name}" (${node.op}) attribute "${key}" should be ${expected}, is ${got.kind}`,
  );
}

export function attrString(node: TfjsNode, key: string, fallback?: string): string {
  if (fallback !== undefined && !node.attrs[key]) return fallback;
  const a = attrOf(node, key);
  if (a.kind !== 'string') throw kindError(node, key, 'a string', a);
  return a.value;
}

export function attrBool(node: TfjsNode, key: string, fallback?: boolean): boolean {
  if (fallback !== undefined && !node.attrs[key]) return fallback;
  const a = attrOf(node, key);
  if (a.kind !== 'bool') throw kindError(node, key, 'a bool', a);
  return a.value;
}

export function attrFloat(node: TfjsNode, key: string, fallback?: number): number {
  if (fallback !== undefined && !node.attrs[key]) return fallback;
  const a = attrOf(node, key);
  if (a.kind !== 'float') throw kindError(node, key, 'a float', a);
  return a.value;
}

export function attrInts(node: TfjsNode, key: string, fallback?: number[]): number[] {
  if (fallback !== undefined && !node.attrs[key]) return fallback;
  const a = attrOf(node, key);
  if (a.kind !== 'list') throw kindError(node, key, 'a list of ints', a);
  return a.ints;
}

export function attrStrings(node: TfjsNode, key: string, fallback?: string[]): string[] {
  if (fallback !== undefined && !node.attrs[key]) return fallback;
  const a = attrOf(node, key);
  if (a.kind !== 'list') throw kindError(node, key, 'a list of strings', a);
  return a.strings;
}

export function attrShape(node: TfjsNode, key: string): number[] | null {
  const a = attrOf(node, key);
  if (a.kind !== 'shape') throw kindError(node, key, 'a shape', a);
  return a.value;
}

export function attrTensor(node: TfjsNode, key: string): TfjsTensorAttr {
  const a = attrOf(node, key);
  if (a.kind !== 'tensor') throw kindError(node, key, 'a tensor', a);
  return a.value;
}
