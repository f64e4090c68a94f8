import { describe, expect, it } from 'vitest';
import { phoneTree } from '@callflow/example-flows';
import { simulatedProviders } from './simulate-call.js';
import { startInteractiveCall } from './interactive-call.js';

const documentOf: Record<string, RegExp> = { twilio: /<Record /, vonage: /"action":"record"/, telnyx: /record_start/ };

describe.each(simulatedProviders)('startInteractiveCall on %s', (provider) => {
  it('stops at each gather, follows the actions and outcomes chosen mid-call, and records every exchange', async () => {
    const call = await startInteractiveCall({ provider, flow: phoneTree, at: '2026-11-23T15:00:00Z' });
    try {
      await call.ready();
      expect(call.waiting).toBe(true);
      expect(call.entries.filter((entry) => entry.type === 'say').map((entry) => entry.type === 'say' && entry.text)).toContain(
        'Hello, and welcome to ACME, Inc.',
      );
      expect(call.visited.slice(0, 2)).toEqual(['greeting', 'menu']);
      call.outcomes.transfer = 'failed';
      await call.act('0');
      // Reception failed: reception_unavailable, then sales records a message, then the call ends.
      expect(call.result?.endedBy).toBe('flow');
      expect(call.visited).toEqual(expect.arrayContaining(['reception', 'reception_unavailable', 'sales']));
      expect(call.entries).toContainEqual({ type: 'transfer', to: '+15005550006', status: 'failed' });
      expect(call.entries.at(-2)).toEqual({ type: 'say', text: 'Thank you for your message. Goodbye.' });
      const webhooks = call.exchanges.filter((exchange) => exchange.kind === 'webhook');
      expect(webhooks.length).toBeGreaterThan(1);
      for (const webhook of webhooks) expect(webhook.signature?.valid, `${webhook.request.url}: ${webhook.signature?.detail}`).toBe(true);
      const sent = call.exchanges
        .map((exchange) => (exchange.kind === 'command' ? exchange.request.url + exchange.request.body : exchange.response.body))
        .join('\n');
      expect(sent).toMatch(documentOf[provider]!);
      if (provider === 'telnyx')
        expect(call.exchanges.some((exchange) => exchange.kind === 'command' && exchange.request.url.endsWith('/actions/answer'))).toBe(
          true,
        );
    } finally {
      await call.close();
    }
  });

  it('hangs up at a gather when the caller does', async () => {
    const call = await startInteractiveCall({ provider, flow: phoneTree });
    try {
      await call.ready();
      const result = await call.hangup();
      expect(result.endedBy).toBe('caller');
      expect(call.waiting).toBe(false);
      await expect(call.act('1')).rejects.toThrow(/not waiting/);
    } finally {
      await call.close();
    }
  });
});
