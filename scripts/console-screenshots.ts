// Screenshots of the dev console for the docs (run: npx tsx scripts/console-screenshots.ts; needs /usr/bin/chromium).
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDevServer } from '../packages/cli/src/dev/dev-server.js';
import { launchChromium } from '../packages/cli/test/chromium.js';

const images = fileURLToPath(new URL('../docs/images/', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'callflow-shots-'));
copyFileSync(fileURLToPath(new URL('../examples/config-ivr/ivr.yaml', import.meta.url)), join(folder, 'ivr.yaml'));
// A copy, named as a user would type it: the page shows the path it was given.
process.chdir(folder);
const flowPath = 'ivr.yaml';
const server = await startDevServer({ flowPath });
const browser = await launchChromium({ width: 1280, height: 800 });
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('#graph g.cf-node');
  await page.fill('#clock', '2026-11-23T10:00');
  await page.dispatchEvent('#clock', 'change');
  await page.check('input[name="provider"][value="telnyx"]');
  await page.click('#call');
  await page.waitForSelector('.call-status.waiting');
  await page.keyboard.press('4');
  await page.waitForFunction(() => document.querySelectorAll('#transcript li').length >= 4);
  await page
    .locator('#turns details')
    .first()
    .evaluate((details) => ((details as HTMLDetailsElement).open = true));
  await page.screenshot({ path: join(images, 'dev-console-1280x800.png') });
  await page.screenshot({ path: join(images, 'dev-console-1280-full.png'), fullPage: true });
  await page.setViewportSize({ width: 420, height: 900 });
  await page.screenshot({ path: join(images, 'dev-console-narrow.png') });
  console.log('docs/images/dev-console-1280x800.png, dev-console-1280-full.png, dev-console-narrow.png');
} finally {
  await browser.close();
  await server.close();
}
