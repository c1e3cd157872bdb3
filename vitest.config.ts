import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Child-process CLI tests spawn node; give them room on a loaded 2-core machine.
    testTimeout: 30_000,
    // Two test files at once even on 2 cores (vitest's default is cores - 1, so one): most of
    // a file's time is spent waiting for the processes, simulators and terminals it starts.
    maxWorkers: 2,
  },
});
