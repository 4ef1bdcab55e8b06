/**
 * The CPU a user pays: user + system time (/proc/<pid>/stat, Linux) of the run's whole Chromium, the browser
 * process that holds the run's profile and every process under it (renderers, the offscreen document, the
 * GPU and utility processes), attributed to the same named phases as the load average. Read at each mark,
 * per process: a process that starts during a phase counts from its start, one that ends counts until the
 * last mark that saw it (a renderer closing mid-phase loses at most its last stretch).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface CpuSampler {
  /** From now until the next mark, CPU time belongs to `name`. */
  mark(name: string): void;
  /**
   * CPU time of the browser's processes and wall time during the phase (all its stretches together), ms;
   * `byKind` splits the CPU time by process kind (processKind).
   */
  during(name: string): { cpuMs: number; wallMs: number; byKind: Record<string, number> } | null;
}

/**
 * What a Chromium process is, from its command line: 'browser', 'gpu-process', 'utility', 'renderer', or
 * 'extension renderer' (the offscreen document, the popup, extension pages: `--extension-process`).
 */
export function processKind(cmdline: string): string {
  const type = /--type=([\w-]+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  if (type === 'renderer' && cmdline.includes('--extension-process')) return 'extension renderer';
  return type;
}

interface ProcStat {
  ppid: number;
  /** utime + stime, clock ticks. */
  ticks: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
    const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null; // gone meanwhile
  }
}

const cmdlineOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** CPU ticks and kind per process of the browser that runs with `profileDir`, keyed by pid. */
function browserTicks(profileDir: string): Map<number, { ticks: number; kind: string }> {
  const stats = new Map<number, ProcStat>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat) stats.set(Number(name), stat);
  }
  const flag = `--user-data-dir=${profileDir}`;
  const roots = [...stats.keys()].filter((pid) => {
    const parent = stats.get(pid)!.ppid;
    return cmdlineOf(pid).includes(flag) && !cmdlineOf(parent).includes(flag);
  });
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of stats) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const ticks = new Map<number, { ticks: number; kind: string }>();
  const visit = (pid: number) => {
    // NUL-separated arguments: spaces make the --type= match simple.
    ticks.set(pid, {
      ticks: stats.get(pid)?.ticks ?? 0,
      kind: processKind(cmdlineOf(pid).replace(/\0/g, ' ')),
    });
    for (const child of children.get(pid) ?? []) visit(child);
  };
  roots.forEach(visit);
  return ticks;
}

/** null where /proc cannot tell (not Linux). */
export function startCpuSampler(profileDir: string): CpuSampler | null {
  let tickMs: number;
  try {
    tickMs = 1000 / Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    readdirSync('/proc');
  } catch {
    return null;
  }
  const totals = new Map<string, { cpuMs: number; wallMs: number; byKind: Record<string, number> }>();
  let phase = 'idle';
  let last = browserTicks(profileDir);
  let lastAt = performance.now();
  return {
    mark(name) {
      const now = browserTicks(profileDir);
      const at = performance.now();
      const total = totals.get(phase) ?? { cpuMs: 0, wallMs: 0, byKind: {} };
      for (const [pid, { ticks, kind }] of now) {
        const ms = (ticks - (last.get(pid)?.ticks ?? 0)) * tickMs;
        total.cpuMs += ms;
        total.byKind[kind] = (total.byKind[kind] ?? 0) + ms;
      }
      total.wallMs += at - lastAt;
      totals.set(phase, total);
      last = now;
      lastAt = at;
      phase = name;
    },
    during(name) {
      return totals.get(name) ?? null;
    },
  };
}
