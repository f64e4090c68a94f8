import { cpSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { writeNodeEntry } from '../core/write-node-entry.js';

// The dev console's page (HTML, CSS, plain JS) ships as files beside the bundles: dist/dev/page.
const copyPage = async () => cpSync('src/dev/page', 'dist/dev/page', { recursive: true });

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    target: 'node20',
    // On Node both import and require load the CommonJS build (dist/node.js re-exports it): one copy, one command
    // registry. The shims give that build import.meta.url (loadFlow hands it to tsx).
    shims: true,
    onSuccess: async () => {
      await copyPage();
      writeNodeEntry('index.cjs');
    },
  },
  { entry: ['src/bin.ts'], format: ['esm'], target: 'node20', banner: { js: '#!/usr/bin/env node' }, onSuccess: copyPage },
]);
