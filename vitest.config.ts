import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Installs Debian's Chromium for the editor's end-to-end test when it is missing.
    globalSetup: ['test/support/chromium-setup.ts'],
  },
});
