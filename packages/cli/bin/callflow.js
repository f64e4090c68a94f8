#!/usr/bin/env node
// The `callflow` command. It is a file that exists before any build, so `npm install` in a fresh clone links it
// (npm links bins before the root's prepare script builds dist/); it runs the built CLI.
import('../dist/bin.js').catch((error) => {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/bin.js')) {
    console.error('callflow: the CLI is not built; run `npm run build` (npm install does it, unless scripts are off)');
    process.exitCode = 1;
    return;
  }
  throw error;
});
