import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  external: ['@vonage/voice', '@vonage/server-sdk'],
  clean: true,
  sourcemap: false,
  target: 'node20',
});
