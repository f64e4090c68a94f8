import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';

// The dev console's page (HTML, CSS, plain JS) ships as files beside the bundles: dist/dev/page.
const copyPage = async () => cpSync('src/dev/page', 'dist/dev/page', { recursive: true });

export default defineConfig([
  { entry: ['src/index.ts'], format: ['esm', 'cjs'], dts: true, clean: true, target: 'node20', onSuccess: copyPage },
  { entry: ['src/bin.ts'], format: ['esm'], target: 'node20', banner: { js: '#!/usr/bin/env node' }, onSuccess: copyPage },
]);
