import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CallFlowError, checkFlowSource, validateFlow, type Flow, type FlowValidation } from '@callflow/core';

/** Loads a flow file: `.json`, `.yaml`/`.yml`, or a TypeScript/JavaScript module whose default export (or `flow` export) is a flow. */
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
    throw new CallFlowError('invalid-flow', `cannot load ${path}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const exported = unwrapDefault(module);
  return validateFlow(exported as Flow);
}

function unwrapDefault(module: Record<string, unknown>): unknown {
  let value: unknown = module.default ?? module.flow;
  // tsx may wrap a CommonJS-style default once more.
  while (value && typeof value === 'object' && 'default' in value && !('nodes' in value)) value = (value as { default: unknown }).default;
  return value;
}
