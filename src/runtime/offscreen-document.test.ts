import { describe, expect, it, vi } from 'vitest';
import { createOffscreenLifecycle, type OffscreenApi } from './offscreen-document.ts';

function fakeApi() {
  const state = { open: false };
  const hasDocument = vi.fn((_url: string) => Promise.resolve(state.open));
  const createDocument = vi.fn(async (_url: string) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    if (state.open) throw new Error('Only a single offscreen document may be created.');
    state.open = true;
  });
  const api: OffscreenApi = {
    hasDocument,
    createDocument,
    closeDocument: () => {
      state.open = false;
      return Promise.resolve();
    },
  };
  return { api, state, hasDocument, createDocument };
}

describe('offscreen document lifecycle', () => {
  it('creates the document once for concurrent callers', async () => {
    const { api, createDocument } = fakeApi();
    const lifecycle = createOffscreenLifecycle(api, 'offscreen.html');
    const results = await Promise.all([lifecycle.ensure(), lifecycle.ensure(), lifecycle.ensure()]);
    expect(createDocument).toHaveBeenCalledTimes(1);
    expect(results.map((r) => r.created)).toEqual([true, true, true]);
    await expect(lifecycle.ensure()).resolves.toEqual({ created: false });
  });

  it('recreates the document when it has gone', async () => {
    const { api, state, createDocument } = fakeApi();
    const lifecycle = createOffscreenLifecycle(api, 'offscreen.html');
    await lifecycle.ensure();
    state.open = false; // closed by Chrome, or crashed
    await expect(lifecycle.ensure()).resolves.toEqual({ created: true });
    expect(createDocument).toHaveBeenCalledTimes(2);
  });

  it('treats "already exists" from a racing creator as existing', async () => {
    const { api, state, hasDocument } = fakeApi();
    hasDocument.mockResolvedValueOnce(false);
    state.open = true;
    const lifecycle = createOffscreenLifecycle(api, 'offscreen.html');
    await expect(lifecycle.ensure()).resolves.toEqual({ created: false });
  });

  it('lets a failed creation be retried', async () => {
    const { api, createDocument } = fakeApi();
    createDocument.mockRejectedValueOnce(new Error('boom'));
    const lifecycle = createOffscreenLifecycle(api, 'offscreen.html');
    await expect(lifecycle.ensure()).rejects.toThrow('boom');
    await expect(lifecycle.ensure()).resolves.toEqual({ created: true });
  });
});
