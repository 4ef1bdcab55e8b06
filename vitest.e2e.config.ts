import { defineConfig } from 'vitest/config';

// End-to-end tests in real Chromium against the built extension (`npm run test:e2e` builds it first).
// Kept apart from `npm test`: they need Chromium and ffmpeg (see tests/e2e/README.md).
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // One browser at a time: these machines have 2 cores.
    fileParallelism: false,
  },
});
