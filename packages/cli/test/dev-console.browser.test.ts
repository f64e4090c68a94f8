import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDevServer, type DevServer } from '../src/dev/dev-server.js';
import { launchChromium } from './chromium.js';

// The console in a real browser (the system's Chromium through playwright-core), on a copy of the config-ivr example.
const example = fileURLToPath(new URL('../../../examples/config-ivr/ivr.yaml', import.meta.url));
const folder = mkdtempSync(join(tmpdir(), 'callflow-dev-console-'));
const flowPath = join(folder, 'ivr.yaml');
copyFileSync(example, flowPath);

let server: DevServer;
let browser: Awaited<ReturnType<typeof launchChromium>>;
let page: Page;
const pageErrors: string[] = [];
const wait = { timeout: 30_000 };

beforeAll(async () => {
  server = await startDevServer({ flowPath });
  browser = await launchChromium({ width: 1280, height: 800 });
  page = await browser.context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => pageErrors.push(`page: ${error.message}`));
  page.on('requestfailed', (request) => pageErrors.push(`request failed: ${request.url()}`));
  // No network: every request the page makes goes to the console's own origin.
  page.on('request', (request) => {
    if (!request.url().startsWith(server.url) && !request.url().startsWith('data:'))
      pageErrors.push(`off-origin request: ${request.url()}`);
  });
  await page.goto(server.url);
  await page.waitForSelector('#graph g.cf-node', wait);
  // A Monday at 10:00 in London: the office is open, so the call reaches the menu.
  await page.fill('#clock', '2026-11-23T10:00');
  await page.dispatchEvent('#clock', 'change');
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  rmSync(folder, { recursive: true, force: true });
});

async function currentNode(): Promise<string | null> {
  return page.evaluate(() => document.querySelector('#graph g.cf-current')?.getAttribute('data-node') ?? null);
}

async function transcript(): Promise<string[]> {
  return page.$$eval('#transcript li', (items) => items.map((item) => item.textContent ?? ''));
}

async function turns(): Promise<Array<{ title: string; text: string }>> {
  return page.$$eval('#turns > li', (items) =>
    items.map((item) => ({ title: item.querySelector('summary')?.textContent ?? '', text: item.textContent ?? '' })),
  );
}

const sent: Record<string, RegExp> = {
  twilio: /<Gather input="dtmf"[^>]*numDigits="1"/,
  vonage: /"action": "input"/,
  telnyx: /actions\/gather_using_speak/,
};
const transferSent: Record<string, RegExp> = {
  twilio: /<Dial[^>]*>[\s\S]*\+441632960001/,
  vonage: /"action": "connect"[\s\S]*441632960001/,
  telnyx: /actions\/transfer[\s\S]*\+441632960001/,
};

describe('callflow dev in Chromium', { timeout: 60_000 }, () => {
  it('shows the laid-out flow with the start marked and the hours the clock gives', async () => {
    const nodes = await page.$$eval('#graph g.cf-node', (items) => items.map((item) => item.getAttribute('data-node')));
    expect(nodes).toEqual(expect.arrayContaining(['welcome', 'menu', 'sales', 'voicemail', 'holiday']));
    expect(await page.getAttribute('#graph g.cf-start', 'data-node')).toBe('welcome');
    await expect.poll(() => page.textContent('#hours'), wait).toContain('welcome (office): open → open → welcome_open');
    await page.fill('#clock', '2026-12-25T10:00');
    await page.dispatchEvent('#clock', 'change');
    await expect
      .poll(() => page.textContent('#hours'), wait)
      .toMatch(/welcome \(office\): closed → holiday → holiday; closure: Christmas Day; next change 2026-12-\d\d/);
    await page.fill('#clock', '2026-11-23T10:00');
    await page.dispatchEvent('#clock', 'change');
    await expect.poll(() => page.textContent('#hours'), wait).toContain('→ open → welcome_open');
  });

  for (const provider of ['twilio', 'vonage', 'telnyx'] as const) {
    it(`places a call on ${provider}, follows keys and a busy transfer to the end, and shows each turn`, async () => {
      await page.check(`input[name="provider"][value="${provider}"]`);
      await page.selectOption('#outcome-transfer', 'completed');
      await page.click('#call');
      await page.waitForSelector('.call-status.waiting', wait);
      expect(await page.textContent('#call-status')).toContain(`On ${provider}, waiting at menu for 1 key`);
      expect(await currentNode()).toBe('menu');
      expect(await transcript()).toEqual(['“Thank you for calling Example Limited.”', expect.stringMatching(/^“For sales, press 1\./)]);
      const first = await turns();
      expect(first.map((turn) => turn.text).join('\n')).toMatch(sent[provider]!);
      // Every webhook so far carried a signature the adapter's verifier accepted.
      const signed = first.filter((turn) => turn.title.includes('provider → app'));
      expect(signed.length).toBeGreaterThan(0);
      for (const turn of signed) expect(turn.title).toContain('✓ signature');

      // The other side is busy: chosen mid-call, then key 1 from the keyboard.
      await page.selectOption('#outcome-transfer', 'busy');
      await page.locator('body').press('1');
      await expect.poll(() => page.textContent('#call-status'), wait).toContain(`Call ended (flow) on ${provider}`);
      const heard = await transcript();
      expect(heard).toEqual(
        expect.arrayContaining([
          'you pressed 1',
          '“Connecting you to our sales team.”',
          'transfer to +441632960001: busy',
          'recorded 5 s',
          'the call ended',
        ]),
      );
      expect(heard.indexOf('transfer to +441632960001: busy')).toBeLessThan(
        heard.findIndex((line) => line.startsWith('“Please leave a message')),
      );
      expect(await currentNode()).toBe('voicemail');
      const visited = await page.$$eval('#graph g.cf-visited', (items) => items.map((item) => item.getAttribute('data-node')));
      expect(visited).toEqual(expect.arrayContaining(['welcome', 'welcome_open', 'menu', 'sales', 'voicemail']));
      const all = await turns();
      expect(all.map((turn) => turn.text).join('\n')).toMatch(transferSent[provider]!);
      expect(all.filter((turn) => turn.title.includes('provider → app')).every((turn) => turn.title.includes('✓ signature'))).toBe(true);
      if (provider === 'telnyx') expect(all.some((turn) => turn.title.includes('app → provider'))).toBe(true);
    });
  }

  it('works from the keyboard alone: Tab to Call, Enter, keys, hang up', async () => {
    await page.check('input[name="provider"][value="twilio"]');
    await page.focus('input[name="provider"][value="twilio"]');
    for (let tab = 0; tab < 10; tab++) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.id === 'call')) break;
    }
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('call');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.call-status.waiting', wait);
    await page.keyboard.press('4'); // "hear the menu again": back at the menu
    await expect.poll(async () => (await transcript()).filter((line) => line.startsWith('“For sales')).length, wait).toBe(2);
    expect(await currentNode()).toBe('menu');
    await page.focus('#hangup');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#call-status'), wait).toContain('Call ended (caller) on twilio');
    expect((await transcript()).at(-1)).toBe('you hung up');
  });

  it('reloads on save, shows every problem of a broken file with its line, and keeps the last good flow usable', async () => {
    const good = readFileSync(flowPath, 'utf8');
    const broken = good
      .replace('routes: { "1": sales,', 'routes: { "1": salse,')
      .replace(
        '{ type: say, text: Thank you for calling Example Limited. }',
        '{ type: sayy, text: Thank you for calling Example Limited. }',
      );
    expect(broken).not.toBe(good);
    const lineOf = (text: string, needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    writeFileSync(flowPath, broken);
    await page.waitForSelector('#problems:not([hidden])', wait);
    const problems = await page.$$eval('#problem-list li', (items) => items.map((item) => item.textContent ?? ''));
    expect(
      problems.some((problem) => problem.includes(`line ${lineOf(broken, 'salse')}`) && problem.includes("unknown node 'salse'")),
    ).toBe(true);
    expect(problems.some((problem) => problem.includes(`line ${lineOf(broken, 'sayy')}`))).toBe(true);
    expect(await page.getAttribute('#problems', 'role')).toBe('alert');
    expect(await page.textContent('#flow-status')).toContain('showing the last good flow');
    // The last good flow still draws and still takes calls.
    expect(await page.$$eval('#graph g.cf-node', (items) => items.length)).toBeGreaterThan(5);
    await page.check('input[name="provider"][value="vonage"]');
    await page.click('#call');
    await page.waitForSelector('.call-status.waiting', wait);
    expect(await currentNode()).toBe('menu');
    await page.click('#hangup');
    await expect.poll(() => page.textContent('#call-status'), wait).toContain('Call ended (caller)');

    writeFileSync(flowPath, good.replace('Thank you for calling Example Limited.', 'Welcome to the edited flow.'));
    await page.waitForSelector('#problems[hidden]', { ...wait, state: 'attached' });
    await expect.poll(() => page.textContent('#graph'), wait).toContain('Welcome to the edited flow.');
    expect(await page.textContent('#flow-status')).toMatch(/loaded \(reload \d+/);
  });

  it('stays readable on a narrow window: nothing wider than the viewport', async () => {
    await page.setViewportSize({ width: 420, height: 860 });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(overflow).toBeLessThanOrEqual(420);
    expect(await page.isVisible('#keypad')).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('logged no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});
