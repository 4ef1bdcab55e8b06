import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { processKind, startCpuSampler } from './cpu-sampler.ts';

/** A stand-in browser: a process holding the profile flag that starts a busy child (as renderers are). */
const BROWSER = `
const { spawn } = require('node:child_process');
spawn(process.execPath, ['-e', 'const end = Date.now() + 600; while (Date.now() < end);'], { stdio: 'ignore' })
  .on('exit', () => process.exit(0));
`;

describe.skipIf(!existsSync('/proc/self/stat'))('startCpuSampler', () => {
  it('counts the CPU time of the process with the profile and of its children, per phase', async () => {
    const profile = `/tmp/affect-lens-cpu-sampler-${process.pid}`;
    const sampler = startCpuSampler(profile)!;
    expect(sampler).not.toBeNull();
    const browser = spawn(process.execPath, ['-e', BROWSER, '--', `--user-data-dir=${profile}`], {
      stdio: 'ignore',
    });
    sampler.mark('busy');
    // Marked again while the child still runs (it is found only while it lives).
    await new Promise((resolve) => setTimeout(resolve, 400));
    sampler.mark('idle');
    await new Promise((resolve) => browser.on('exit', resolve));
    const busy = sampler.during('busy');
    expect(busy?.wallMs).toBeGreaterThan(0);
    // Both processes used the CPU (node's start-up alone takes tens of ms); none of it is this test's own.
    expect(busy?.cpuMs).toBeGreaterThan(0);
    expect(sampler.during('never')).toBeNull();
  });

  it('finds nothing for a profile no process uses', () => {
    const sampler = startCpuSampler('/tmp/affect-lens-no-such-profile')!;
    sampler.mark('phase');
    sampler.mark('idle');
    expect(sampler.during('phase')?.cpuMs).toBe(0);
  });
});

describe('processKind', () => {
  it.each([
    ['/usr/lib/chromium/chromium --user-data-dir=/tmp/p --no-sandbox', 'browser'],
    ['/usr/lib/chromium/chromium --type=gpu-process --user-data-dir=/tmp/p', 'gpu-process'],
    ['/usr/lib/chromium/chromium --type=utility --utility-sub-type=network.mojom.NetworkService', 'utility'],
    ['/usr/lib/chromium/chromium --type=renderer --renderer-client-id=7', 'renderer'],
    [
      '/usr/lib/chromium/chromium --type=renderer --extension-process --renderer-client-id=5',
      'extension renderer',
    ],
    ['/usr/lib/chromium/chromium --type=zygote', 'zygote'],
  ])('%s', (cmdline, kind) => {
    expect(processKind(cmdline)).toBe(kind);
  });
});
