import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Child-process CLI tests spawn node; give them room on a loaded 2-core machine.
    testTimeout: 30_000,
  },
});
