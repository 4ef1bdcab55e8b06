/**
 * One engine, many tabs: runs analysis jobs one at a time, user-requested ones (a right-clicked image) first,
 * then video frames round-robin over tabs and, within a tab, over its sources (video elements). A source has
 * at most one frame waiting: a newer frame replaces it and the older one resolves as DROPPED, so a slow engine
 * drops frames instead of queueing them.
 */
export const DROPPED = Symbol('dropped');
export type Dropped = typeof DROPPED;

export interface Job<T> {
  /** Fairness group, e.g. the tab id. */
  group: string;
  /** Source within the group, e.g. one <video>. A source has at most one waiting frame job. */
  source: string;
  /** 'user' jobs run before any frame and are never dropped. */
  priority: 'user' | 'frame';
  run: () => Promise<T>;
}

interface Waiting {
  job: Job<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * One source's fair share, as the least time between its frames, ms: the engine serves the groups (tabs)
 * in turn and, within a group, its sources in turn, so with `perFrameMs` per frame a source of a group with
 * `sourcesInGroup` sources, among `groups` groups, can be analysed every perFrameMs x groups x sourcesInGroup.
 */
export function fairIntervalMs(perFrameMs: number, groups: number, sourcesInGroup: number): number {
  if (!(perFrameMs > 0) || groups < 1 || sourcesInGroup < 1) return 0;
  return FAIR_SHARE_SLACK * perFrameMs * groups * sourcesInGroup;
}

/**
 * Sources are asked for frames a little sooner than their exact share: a frame reaches the engine only after
 * the video's next presented frame, its encoding and the wire, and at the exact share the engine would sit
 * idle in those gaps. The scheduler's round-robin still gives each tab its turn; the few frames beyond the
 * share wait or are dropped there.
 */
export const FAIR_SHARE_SLACK = 0.8;

/** A job that did not settle within the watchdog's time: the scheduler went on without it. */
export class StuckRunError extends Error {
  override readonly name = 'StuckRunError';
}

export interface SchedulerOptions {
  /**
   * The watchdog: a job that has not settled after this long is failed with StuckRunError and the next one
   * runs, so one run that never returns cannot stop every video in every tab. Default none.
   */
  runTimeoutMs?: number;
  /** Called when the watchdog fails a job (the engine host restarts its engine). */
  onStuck?: (error: StuckRunError) => void;
}

export class FairScheduler {
  constructor(private readonly options: SchedulerOptions = {}) {}

  private readonly userQueue: Waiting[] = [];
  /** group -> (source -> waiting frame job); Map order is the round-robin order. */
  private readonly groups = new Map<string, Map<string, Waiting>>();
  private running = false;
  private droppedCount = 0;

  submit<T>(job: Job<T>): Promise<T | Dropped> {
    return new Promise<T | Dropped>((resolve, reject) => {
      const waiting: Waiting = { job, resolve: resolve as (value: unknown) => void, reject };
      if (job.priority === 'user') {
        this.userQueue.push(waiting);
      } else {
        let sources = this.groups.get(job.group);
        if (!sources) {
          sources = new Map();
          this.groups.set(job.group, sources);
        }
        const older = sources.get(job.source);
        if (older) {
          this.droppedCount++;
          older.resolve(DROPPED);
        }
        // Re-inserting keeps the source's place in its group's round-robin order.
        sources.set(job.source, waiting);
      }
      this.pump();
    });
  }

  /** Drops the waiting frames of every source for which `matches` is true (e.g. a closed port's sources). */
  dropWhere(matches: (group: string, source: string) => boolean): void {
    for (const [group, sources] of this.groups) {
      for (const [source, waiting] of sources) {
        if (!matches(group, source)) continue;
        sources.delete(source);
        this.droppedCount++;
        waiting.resolve(DROPPED);
      }
      if (sources.size === 0) this.groups.delete(group);
    }
  }

  /** Jobs waiting (not running). */
  get waiting(): number {
    let n = this.userQueue.length;
    for (const sources of this.groups.values()) n += sources.size;
    return n;
  }

  /** Frames replaced by a newer frame of their source (or dropped with it) so far. */
  get dropped(): number {
    return this.droppedCount;
  }

  private next(): Waiting | undefined {
    const user = this.userQueue.shift();
    if (user) return user;
    for (const [group, sources] of this.groups) {
      for (const [source, waiting] of sources) {
        sources.delete(source);
        // This group was served: move it to the back of the round-robin order.
        this.groups.delete(group);
        if (sources.size > 0) this.groups.set(group, sources);
        return waiting;
      }
      this.groups.delete(group);
    }
    return undefined;
  }

  private pump(): void {
    if (this.running) return;
    const waiting = this.next();
    if (!waiting) return;
    this.running = true;
    let result: Promise<unknown>;
    try {
      result = waiting.job.run();
    } catch (error) {
      result = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const finish = () => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      this.running = false;
      return true;
    };
    const { runTimeoutMs, onStuck } = this.options;
    if (runTimeoutMs !== undefined) {
      timer = setTimeout(() => {
        if (!finish()) return;
        const error = new StuckRunError(
          `The engine did not answer within ${Math.round(runTimeoutMs / 1000)} s; it is being restarted.`,
        );
        waiting.reject(error);
        onStuck?.(error);
        this.pump();
      }, runTimeoutMs);
    }
    void result.then(
      (value) => {
        if (finish()) {
          waiting.resolve(value);
          this.pump();
        }
      },
      (error: unknown) => {
        if (finish()) {
          waiting.reject(error);
          this.pump();
        }
      },
    );
  }
}
