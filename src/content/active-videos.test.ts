import { describe, expect, it, vi } from 'vitest';

vi.mock('wxt/browser', () => ({ browser: { runtime: { id: 'x' } } }));

const { isAmongLargest } = await import('./content-app.ts');

const v = (visibleArea: number) => ({ visibleArea });

describe('the cap on videos analysed at once', () => {
  it('keeps the largest on screen, the earlier first among equals, and never an off-screen one', () => {
    const all = [v(100), v(400), v(0), v(400), v(50)];
    const active = all.filter((s) => isAmongLargest(s, all, 2));
    expect(active).toEqual([all[1], all[3]]);
    const twenty = Array.from({ length: 20 }, () => v(200));
    expect(twenty.filter((s) => isAmongLargest(s, twenty, 16))).toEqual(twenty.slice(0, 16));
    expect(isAmongLargest(all[2]!, all, 10)).toBe(false);
  });
});
