import { defineConfig } from 'vitest/config';

// Two projects: the WASM API and package tests run in Node; the browser tests drive
// Debian's Chromium through playwright-core (one file at a time, longer timeouts).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['tests/js/**/*.test.js'], testTimeout: 60_000 } },
      {
        test: {
          name: 'browser',
          include: ['tests/browser/**/*.test.js'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
