import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const source = (name: string) => fileURLToPath(new URL(`./packages/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    alias: {
      '@callflow/core': source('core'),
      '@callflow/redis': source('redis'),
      '@callflow/testing': source('testing'),
      '@callflow/twilio': source('twilio'),
      '@callflow/vonage': source('vonage'),
      '@callflow/telnyx': source('telnyx'),
      '@callflow/cli': source('cli'),
      '@callflow/example-flows': fileURLToPath(new URL('./examples/flows/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test/**/*.test.ts',
      'docs/snippets/**/*.test.ts',
    ],
    typecheck: {
      enabled: true,
      include: ['packages/*/src/**/*.test-d.ts', 'packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
    globalSetup: ['./test/global-setup.ts'],
    // Sized for a busy two-core machine: a child process with tsx can take seconds to start under load.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
