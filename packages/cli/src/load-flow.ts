import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CallFlowError, checkFlowSource, validateFlow, type Flow, type FlowValidation } from '@callflow/core';

/** Loads a flow file: `.json`, `.yaml`/`.yml`, or a TypeScript/JavaScript module that exports the flow as `flow` or as its default export. */
export async function loadFlow(path: string): Promise<FlowValidation> {
  const absolute = resolve(path);
  const extension = extname(absolute).toLowerCase();
  if (extension === '.json' || extension === '.yaml' || extension === '.yml') {
    let text: string;
    try {
      text = await readFile(absolute, 'utf8');
    } catch (error) {
      throw new CallFlowError('invalid-flow', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    return checkFlowSource(text, { format: extension === '.json' ? 'json' : 'yaml', fileName: path });
  }
  if (!['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'].includes(extension)) {
    throw new CallFlowError('invalid-flow', `${path}: unknown flow file type '${extension}' (use .json, .yaml, .yml, .ts or .js)`);
  }
  let module: Record<string, unknown>;
  try {
    if (extension.endsWith('ts')) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(absolute).href, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    }
  } catch (error) {
    // defineFlow throws invalid-flow at import time: report its problems like a file's.
    if (error instanceof Error && (error as Partial<CallFlowError>).code === 'invalid-flow') {
      return { ok: false, problems: (error as CallFlowError).problems };
    }
    throw new CallFlowError('invalid-flow', `cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const exported = exportedFlow(module);
  if (exported === undefined) {
    throw new CallFlowError(
      'invalid-flow',
      `${path} exports no flow: export it as \`export const flow = defineFlow(…)\` or \`export default defineFlow(…)\``,
    );
  }
  return validateFlow(exported as Flow);
}

/**
 * The module's `flow` export, else its default export. A module loaded as CommonJS (a `.ts` file in a
 * `"type": "commonjs"` project) arrives wrapped: its `module.exports` is the default, so `export const flow`
 * becomes `default.flow` and `export default` becomes `default.default`; both are unwrapped.
 */
function exportedFlow(module: Record<string, unknown>): unknown {
  for (const candidate of [module.flow, module.default]) {
    let value = candidate;
    while (isObject(value) && !('nodes' in value)) {
      if ('flow' in value) value = value.flow;
      else if ('default' in value) value = value.default;
      else break;
    }
    if (value !== undefined && !(isObject(value) && Object.keys(value).length === 0)) return value;
  }
  return undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
