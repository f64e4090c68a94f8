import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** The system's Chromium (Debian's `chromium` package, installed by .ci/run): playwright-core downloads no browser. */
export const chromiumPath = process.env.CALLFLOW_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Starts headless Chromium with a fresh profile (playwright's persistent context is how it takes `--user-data-dir`)
 * and none of the browser's own network services; `close` removes the profile.
 */
export async function launchChromium(
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!existsSync(chromiumPath))
    throw new Error(`no Chromium at ${chromiumPath}: install it with 'apt-get install chromium' (.ci/run does), or set CALLFLOW_CHROMIUM`);
  const profile = mkdtempSync(join(tmpdir(), 'callflow-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
