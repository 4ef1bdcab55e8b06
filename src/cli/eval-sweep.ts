/** eval's sweeps: the points (every combination of the comma lists given) and how they are named in output. */
import type { DetectOptions } from '../ml/engine-api.ts';

/** One point of a sweep: the swept values; everything else is `fixed` or the engine's default. */
export interface SweepPoint {
  classifierId?: string;
  cropMargin?: number;
  minScore?: number;
  smallFaces?: DetectOptions['smallFaces'];
}

/** Every combination of the given lists, in the order the flags are listed (models outermost). */
export function sweepPoints(lists: {
  classifierId?: string[];
  cropMargin?: number[];
  minScore?: number[];
  smallFaces?: DetectOptions['smallFaces'][];
}): SweepPoint[] {
  let points: SweepPoint[] = [{}];
  const expand = <K extends keyof SweepPoint>(key: K, values: SweepPoint[K][] | undefined): void => {
    if (values === undefined) return;
    points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  };
  expand('classifierId', lists.classifierId);
  expand('cropMargin', lists.cropMargin);
  expand('minScore', lists.minScore);
  expand('smallFaces', lists.smallFaces);
  return points;
}

export function describePoint(point: SweepPoint): string {
  const parts: string[] = [];
  if (point.classifierId !== undefined) parts.push(`model=${point.classifierId}`);
  if (point.cropMargin !== undefined) parts.push(`margin=${point.cropMargin}`);
  if (point.minScore !== undefined) parts.push(`min-score=${point.minScore}`);
  if (point.smallFaces !== undefined) parts.push(`small-faces=${point.smallFaces}`);
  return parts.join(' ');
}

export function sweepHeader(key: keyof SweepPoint): string {
  return { classifierId: 'model', cropMargin: 'margin', minScore: 'min-score', smallFaces: 'small-faces' }[
    key
  ];
}

export function sweptKeys(points: readonly SweepPoint[]): (keyof SweepPoint)[] {
  const keys: (keyof SweepPoint)[] = ['classifierId', 'cropMargin', 'minScore', 'smallFaces'];
  return keys.filter((k) => points.some((p) => p[k] !== undefined));
}
