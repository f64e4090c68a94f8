import { CallFlowError, providerEntry, type ProviderName } from '@callflow/core';

/** The adapter module of each provider, as its package exports it. */
export interface AdapterModules {
  twilio: typeof import('@callflow/twilio');
  vonage: typeof import('@callflow/vonage');
  telnyx: typeof import('@callflow/telnyx');
}

/**
 * Imports a provider's adapter package, named by the provider registry. A missing package is a `missing-package`
 * error that says what to install (`npm install @callflow/vonage`), not Node's bare "Cannot find package".
 */
export async function loadAdapter<Name extends ProviderName>(name: Name): Promise<AdapterModules[Name]> {
  const { packageName, displayName } = providerEntry(name);
  try {
    return (await import(/* @vite-ignore */ packageName)) as AdapterModules[Name];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException | undefined)?.code;
    const missing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(packageName);
    if (!missing) throw error;
    throw new CallFlowError(
      'missing-package',
      `simulating a ${displayName} call needs the ${packageName} package: npm install ${packageName}`,
      { provider: 'testing', cause: error },
    );
  }
}
