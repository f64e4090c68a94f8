import { execFileSync } from 'node:child_process';
import { readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleSize, type BundleEntry, type BundleSize } from './bundle-size.js';
import type { BenchRow } from './harness.js';
import { providerNames, type ProviderName } from '../packages/core/src/providers/provider-registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** "core + one adapter handler", the way a Worker or Lambda ships it: the handler factory and nothing else imported. */
/** Keyed by the registry's provider names: a provider added to the registry fails to compile until its bundle is here. */
export const adapterBundles: Record<ProviderName, BundleEntry> = {
  twilio: {
    name: 'core+twilio',
    source: `import { createTwilioHandler } from '@callflow/twilio';
export const handler = (flow, env) => createTwilioHandler({ flow, secret: env.CALLFLOW_SECRET, authToken: env.TWILIO_AUTH_TOKEN, publicBaseUrl: env.PUBLIC_BASE_URL });`,
  },
  vonage: {
    name: 'core+vonage',
    source: `import { createVonageHandler } from '@callflow/vonage';
export const handler = (flow, env) => createVonageHandler({ flow, secret: env.CALLFLOW_SECRET, signatureSecret: env.VONAGE_SIGNATURE_SECRET, publicBaseUrl: env.PUBLIC_BASE_URL });`,
  },
  telnyx: {
    name: 'core+telnyx',
    source: `import { createTelnyxHandler } from '@callflow/telnyx';
export const handler = (flow, env, client) => createTelnyxHandler({ flow, secret: env.CALLFLOW_SECRET, publicKey: env.TELNYX_PUBLIC_KEY, client });`,
  },
};

/** The same job with the official SDKs, written the way the seeds do (platform node: the SDKs need Node built-ins). */
export const sdkBundles: Record<string, BundleEntry & { provider: ProviderName; label: string }> = {
  twilio: {
    provider: 'twilio',
    label: "twilio (import twilio from 'twilio'): validateRequest + VoiceResponse",
    name: 'sdk-twilio',
    source: `import twilio from 'twilio';
export function handler(authToken, signature, url, params) {
  if (!twilio.validateRequest(authToken, signature, url, params)) return undefined;
  const response = new twilio.twiml.VoiceResponse();
  response.gather({ numDigits: 1, action: url }).say('We are open.');
  return response.toString();
}`,
  },
  twilioDeep: {
    provider: 'twilio',
    label: 'twilio deep imports (lib/webhooks + lib/twiml/VoiceResponse only)',
    name: 'sdk-twilio-deep',
    source: `import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse.js';
export function handler(authToken, signature, url, params) {
  if (!validateRequest(authToken, signature, url, params)) return undefined;
  const response = new VoiceResponse();
  response.gather({ numDigits: 1, action: url }).say('We are open.');
  return response.toString();
}`,
  },
  vonage: {
    provider: 'vonage',
    label: '@vonage/jwt verifySignature + @vonage/voice NCCOBuilder',
    name: 'sdk-vonage',
    source: `import { verifySignature } from '@vonage/jwt';
import { Input, NCCOBuilder, Talk } from '@vonage/voice';
export function handler(token, secret, url) {
  if (!verifySignature(token, secret)) return undefined;
  return new NCCOBuilder().addAction(new Talk('We are open.', true)).addAction(new Input({ maxDigits: 1 }, undefined, url, 'POST')).build();
}`,
  },
  telnyx: {
    provider: 'telnyx',
    label: 'telnyx SDK: webhooks.unwrap + calls.actions',
    name: 'sdk-telnyx',
    source: `import { Telnyx } from 'telnyx';
export async function handler(env, body, headers) {
  const client = new Telnyx({ apiKey: env.TELNYX_API_KEY, publicKey: env.TELNYX_PUBLIC_KEY });
  const event = await client.webhooks.unwrap(body, { headers });
  await client.calls.actions.gatherUsingSpeak(event.data.payload.call_control_id, { payload: 'We are open.', voice: 'female', language: 'en-US' });
}`,
  },
};

/** What a Telnyx deployment ships in practice: our handler plus the SDK client it sends commands through. */
const telnyxWithClient: BundleEntry = {
  name: 'core+telnyx+sdk-client',
  source: `import { createTelnyxHandler } from '@callflow/telnyx';
import { Telnyx } from 'telnyx';
export const handler = (flow, env) => createTelnyxHandler({ flow, secret: env.CALLFLOW_SECRET, publicKey: env.TELNYX_PUBLIC_KEY, client: new Telnyx({ apiKey: env.TELNYX_API_KEY }) });`,
};

/** Packed tarball size of each workspace package (`npm pack --dry-run --json`). */
export function packedSizes(): Array<{ name: string; size: number; unpackedSize: number; files: number }> {
  const out: Array<{ name: string; size: number; unpackedSize: number; files: number }> = [];
  for (const directory of readdirSync(`${root}packages`).sort()) {
    const path = `${root}packages/${directory}`;
    if (!existsSync(`${path}/package.json`)) continue;
    const text = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: path,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const [pack] = JSON.parse(text) as Array<{ name: string; size: number; unpackedSize: number; entryCount: number }>;
    if (pack) out.push({ name: pack.name, size: pack.size, unpackedSize: pack.unpackedSize, files: pack.entryCount });
  }
  return out;
}

/**
 * Each "core + adapter" bundle (what size-budget.json limits): the files a handler loads up front, for a flow without
 * business hours, and the chunks only some flows load (luxon for `hours`), measured apart.
 */
export async function adapterBundleSizes(): Promise<Record<keyof typeof adapterBundles, BundleSize>> {
  const entries = Object.entries(adapterBundles) as Array<[keyof typeof adapterBundles, BundleEntry]>;
  const sizes = await Promise.all(entries.map(([, entry]) => bundleSize(entry)));
  return Object.fromEntries(entries.map(([provider], index) => [provider, sizes[index]!])) as Record<
    keyof typeof adapterBundles,
    BundleSize
  >;
}

/** The chunk of a bundle that holds luxon (what a flow with business hours loads on top), if it has one. */
export function hoursChunkOf(size: BundleSize): BundleSize['lazyChunks'][number] | undefined {
  return size.lazyChunks.find((chunk) => chunk.inputs.some((input) => input.includes('node_modules/luxon/')));
}

/** The chunk of a bundle that lists a wrong flow's problems (messages, hints, warnings), if it has one. */
export function diagnosticsChunkOf(size: BundleSize): BundleSize['lazyChunks'][number] | undefined {
  return size.lazyChunks.find((chunk) => chunk.inputs.some((input) => input.endsWith('packages/core/src/ir/list-flow-problems.ts')));
}

const kib = (bytes: number) => bytes / 1024;

/** The size suite: packed packages, and bundled+minified+gzipped "core + adapter" against the SDK doing the same job. */
export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (!existsSync(`${root}packages/core/dist/index.js`)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  for (const pack of packedSizes()) {
    rows.push({
      name: `size: npm pack ${pack.name}`,
      value: kib(pack.size),
      unit: 'KiB',
      note: `${pack.files} files, ${kib(pack.unpackedSize).toFixed(0)} KiB unpacked`,
    });
  }
  const ours = await adapterBundleSizes();
  for (const provider of providerNames) {
    const sdks = Object.values(sdkBundles).filter((entry) => entry.provider === provider);
    const measured = await Promise.all(sdks.map((entry) => bundleSize(entry, 'node')));
    sdks.forEach((sdk, index) => {
      rows.push({
        name: `size: core + ${provider} handler, bundled, minified, gzipped${index > 0 ? ' (vs deep imports)' : ''}`,
        value: kib(ours[provider].gzipped),
        unit: 'KiB',
        baseline: kib(measured[index]!.gzipped),
        baselineName: sdk.label,
        target: index === 0 ? '≤25 KiB' : undefined,
        note: `minified ${kib(ours[provider].minified).toFixed(0)} KiB vs ${kib(measured[index]!.minified).toFixed(0)} KiB; what a flow without business hours loads (luxon and the flow diagnostics are separate chunks); ours platform neutral (Workers), SDK platform node`,
      });
    });
    const hours = hoursChunkOf(ours[provider]);
    if (hours) {
      rows.push({
        name: `size: core + ${provider} handler, the business-hours chunk (luxon) a flow with hours loads on top, gzipped`,
        value: kib(hours.gzipped),
        unit: 'KiB',
        note: `minified ${kib(hours.minified).toFixed(0)} KiB; with it a flow with hours loads ${kib(ours[provider].gzipped + hours.gzipped).toFixed(1)} KiB gzipped`,
      });
    }
    const diagnostics = diagnosticsChunkOf(ours[provider]);
    if (diagnostics) {
      rows.push({
        name: `size: core + ${provider} handler, the diagnostics chunk a wrong flow loads to list its problems, gzipped`,
        value: kib(diagnostics.gzipped),
        unit: 'KiB',
        note: `minified ${kib(diagnostics.minified).toFixed(0)} KiB; a flow that is right never loads it`,
      });
    }
  }
  const withClient = await bundleSize(telnyxWithClient, 'node');
  rows.push({
    name: 'size: core + telnyx handler + the telnyx SDK client it sends through, gzipped',
    value: kib(withClient.gzipped),
    unit: 'KiB',
    baseline: kib((await bundleSize(sdkBundles.telnyx!, 'node')).gzipped),
    baselineName: sdkBundles.telnyx!.label,
    note: 'what a Telnyx deployment really ships: the adapter takes the user’s SDK client',
  });
  return rows;
}
