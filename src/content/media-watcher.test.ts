// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { isVideo, watchElements } from './media-watcher.ts';

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('watchElements', () => {
  it('reports videos present at start, added later (also nested), and removed; and stops on abort', async () => {
    document.body.innerHTML = '<video id="a"></video>';
    const log: string[] = [];
    const controller = new AbortController();
    watchElements(
      document,
      'video',
      isVideo,
      { added: (v) => log.push(`+${v.id}`), removed: (v) => log.push(`-${v.id}`) },
      controller.signal,
    );
    const tile = document.createElement('div');
    tile.innerHTML = '<video id="b"></video>';
    document.body.append(tile);
    await settle();
    document.getElementById('a')!.remove();
    await settle();
    // Moving a node within the page is not a removal.
    document.body.prepend(tile);
    await settle();
    controller.abort();
    expect(log).toEqual(['+a', '+b', '-a', '-b']);
  });
});
