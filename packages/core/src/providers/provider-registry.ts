/**
 * The providers callflow speaks, as data: one place that the testing package, the CLI, the docs generators and the
 * size bench read their provider list from. Core never imports an adapter; a consumer loads `packageName` itself.
 */

/** One provider callflow has an adapter package for. */
export interface ProviderEntry {
  /** The key used everywhere: `providerOptions.<name>`, `--provider <name>`, `simulateCall({ provider })`. */
  readonly name: string;
  /** How people write it. */
  readonly displayName: string;
  /** The adapter package to install and import. */
  readonly packageName: string;
  /** What a turn becomes on this provider. */
  readonly output: string;
  /** The provider's official Node SDK: optional everywhere in callflow, used only as a test oracle. */
  readonly sdkPackage: string;
  /** Its page under docs/providers. */
  readonly docsPage: string;
}

/** Every provider, in the order the docs, the parity suite and the CLI list them. */
export const providerRegistry = [
  {
    name: 'twilio',
    displayName: 'Twilio',
    packageName: '@callflow/twilio',
    output: 'TwiML',
    sdkPackage: 'twilio',
    docsPage: 'docs/providers/twilio.md',
  },
  {
    name: 'vonage',
    displayName: 'Vonage',
    packageName: '@callflow/vonage',
    output: 'NCCO',
    sdkPackage: '@vonage/server-sdk',
    docsPage: 'docs/providers/vonage.md',
  },
  {
    name: 'telnyx',
    displayName: 'Telnyx',
    packageName: '@callflow/telnyx',
    output: 'Call Control commands',
    sdkPackage: 'telnyx',
    docsPage: 'docs/providers/telnyx.md',
  },
] as const satisfies readonly ProviderEntry[];

/** The name of a provider in the registry: `'twilio' | 'vonage' | 'telnyx'`. */
export type ProviderName = (typeof providerRegistry)[number]['name'];

/** The registry's provider names, in order. */
export const providerNames: readonly ProviderName[] = providerRegistry.map((entry) => entry.name);

/** True when `value` names a provider in the registry. */
export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && (providerNames as readonly string[]).includes(value);
}

/** The registry entry of a provider. */
export function providerEntry(name: ProviderName): (typeof providerRegistry)[number] {
  return providerRegistry.find((entry) => entry.name === name)!;
}

/** The provider names as a sentence, for messages: `twilio, vonage or telnyx`. */
export function providerNameList(conjunction = 'or'): string {
  const names = [...providerNames];
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} ${conjunction} ${names.at(-1)}`;
}
