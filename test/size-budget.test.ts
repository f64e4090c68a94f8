import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapterBundleSizes, adapterBundles, diagnosticsChunkOf, hoursChunkOf } from '../bench/size.js';
import { packedPackages } from './packed-packages.js';

// The size budget: each "core + adapter handler" bundle, as a Worker or Lambda ships it (esbuild, minified, gzipped),
// must stay within size-budget.json. Raising a budget is a decision: do it in the commit that needs it, and say why.

const budget = JSON.parse(readFileSync(new URL('../size-budget.json', import.meta.url), 'utf8')) as Record<string, number>;

describe('size budget', () => {
  it('has a budget for every adapter bundle and no stale ones', () => {
    const names = Object.values(adapterBundles)
      .map((entry) => entry.name)
      .sort();
    expect(
      Object.keys(budget)
        .filter((key) => !key.startsWith('$') && !key.startsWith('packed '))
        .sort(),
    ).toEqual(names);
  });

  it('keeps every core + adapter bundle within its gzipped budget', async () => {
    const sizes = await adapterBundleSizes();
    const over: string[] = [];
    for (const [provider, entry] of Object.entries(adapterBundles) as Array<
      [keyof typeof sizes, (typeof adapterBundles)[keyof typeof adapterBundles]]
    >) {
      const limit = budget[entry.name]!;
      const { gzipped } = sizes[provider];
      // A bundle that is suddenly tiny means the entry stopped importing the handler: that would make the check meaningless.
      expect(gzipped, `${entry.name} is implausibly small`).toBeGreaterThan(10_000);
      if (gzipped > limit) over.push(`${entry.name}: ${gzipped} B gzipped > budget ${limit} B (+${gzipped - limit} B)`);
    }
    expect(over, 'bundle grew past size-budget.json; shrink it or raise the budget on purpose').toEqual([]);
  });

  it('keeps luxon and the YAML parser off the handler path: a flow without business hours loads neither', async () => {
    const sizes = await adapterBundleSizes();
    for (const [provider, size] of Object.entries(sizes)) {
      // The files loaded up front (the entry chunk and what it imports statically, from esbuild's metafile).
      expect(
        size.staticInputs.some((input) => input.includes('packages/core/src/engine/create-engine.ts')),
        provider,
      ).toBe(true);
      expect(
        size.staticInputs.filter((input) => /node_modules\/(luxon|yaml)\//.test(input)),
        `${provider}: luxon or yaml loaded up front`,
      ).toEqual([]);
      // luxon is still reachable, as a chunk of its own behind the engine's dynamic import(): flows with hours load it.
      const hours = hoursChunkOf(size);
      expect(hours, `${provider}: no business-hours chunk`).toBeDefined();
      expect(hours!.gzipped, `${provider}: the business-hours chunk is implausibly small`).toBeGreaterThan(10_000);
      // So is the hours logic: what only a flow with hours runs sits in that chunk too.
      expect(hours!.inputs, provider).toContain('packages/core/src/hours/check-hours.ts');
    }
  });

  it('keeps the flow diagnostics off the handler path: a flow that is right never loads them', async () => {
    const sizes = await adapterBundleSizes();
    const diagnosticSources = ['list-flow-problems.ts', 'check-fields.ts', 'schema.ts', 'flow-field-words.ts'].map(
      (file) => `packages/core/src/ir/${file}`,
    );
    for (const [provider, size] of Object.entries(sizes)) {
      expect(
        size.staticInputs.filter((input) => diagnosticSources.includes(input)),
        `${provider}: diagnostics loaded up front`,
      ).toEqual([]);
      // What tells a right flow from a wrong one is up front; what lists the problems is a chunk behind a dynamic import().
      expect(size.staticInputs, provider).toContain('packages/core/src/ir/check-flow-graph.ts');
      const diagnostics = diagnosticsChunkOf(size);
      expect(diagnostics, `${provider}: no diagnostics chunk`).toBeDefined();
      expect(diagnostics!.inputs, provider).toEqual(expect.arrayContaining(diagnosticSources));
    }
  });

  it('keeps the call events off the handler path: a handler without onCallEvent never loads them', async () => {
    const sizes = await adapterBundleSizes();
    const chunkSource = 'packages/core/src/provider/call-events-chunk.ts';
    for (const [provider, size] of Object.entries(sizes)) {
      expect(size.staticInputs, `${provider}: the call events loaded up front`).not.toContain(chunkSource);
      // Still reachable, behind a dynamic import(), for a handler with the hook.
      expect(
        size.lazyChunks.some((chunk) => chunk.inputs.includes(chunkSource)),
        `${provider}: no call-events chunk`,
      ).toBe(true);
    }
  });

  it('keeps the Vonage queue off the handler path: a flow without an enqueue step never loads it', async () => {
    const { vonage } = await adapterBundleSizes();
    // What only a queue runs: the hold loop and the agent moves (the chunk), the queue's store records and its control.
    const queueSources = ['vonage-queue-chunk.ts', 'vonage-queue.ts', 'vonage-queue-control.ts'].map(
      (file) => `packages/vonage/src/${file}`,
    );
    expect(
      vonage.staticInputs.filter((input) => queueSources.includes(input)),
      'the Vonage queue loaded up front',
    ).toEqual([]);
    // Still reachable, behind a dynamic import(), for a flow with an enqueue step (or an app moving queued callers).
    const chunk = vonage.lazyChunks.find((lazy) => lazy.inputs.includes('packages/vonage/src/vonage-queue-chunk.ts'));
    expect(chunk, 'no Vonage queue chunk').toBeDefined();
    expect(chunk!.inputs).toEqual(expect.arrayContaining(queueSources));
  });

  it("keeps the store queues' JSON fallback off the handler path: a handler that queues nobody never loads it", async () => {
    const sizes = await adapterBundleSizes();
    const chunkSource = 'packages/core/src/store/json-queue-chunk.ts';
    for (const [provider, size] of Object.entries(sizes)) {
      expect(size.staticInputs, `${provider}: the JSON queue fallback loaded up front`).not.toContain(chunkSource);
    }
    // Reachable behind a dynamic import(), for the Vonage queue on a store without native queues (the memory store).
    expect(
      sizes.vonage.lazyChunks.some((chunk) => chunk.inputs.includes(chunkSource)),
      'vonage: no JSON queue chunk',
    ).toBe(true);
  });

  it('keeps the Vonage live-call moves off the handler path: a flow of inbound calls that moves none never loads them', async () => {
    const { vonage } = await adapterBundleSizes();
    // What only moving a live call runs: machine detection's result and the REST transfers.
    const liveCallSources = ['vonage-live-call-chunk.ts', 'vonage-live-call.ts'].map((file) => `packages/vonage/src/${file}`);
    expect(
      vonage.staticInputs.filter((input) => liveCallSources.includes(input)),
      'the Vonage live-call moves loaded up front',
    ).toEqual([]);
    // Still reachable, behind a dynamic import(), for an outbound call with machine detection or an app moving a call.
    expect(
      vonage.lazyChunks.some((chunk) => chunk.inputs.includes('packages/vonage/src/vonage-live-call-chunk.ts')),
      'no Vonage live-call chunk',
    ).toBe(true);
    expect(vonage.lazyChunks.flatMap((chunk) => chunk.inputs)).toEqual(expect.arrayContaining(liveCallSources));
  });

  it('keeps the Telnyx feature chunks off the handler path: a flow without the step never loads them', async () => {
    const { telnyx } = await adapterBundleSizes();
    // What only some flows run: the waiting steps' commands (record, transfer, enqueue, conference, speech), a transfer's
    // far leg and refusal, the hold loop, a recording's key and silence timer, a speech gather's timers, an outbound
    // leg's first events, a delivery's failure paths (plan-commands.ts, telnyx-features.ts and telnyx-delivery.ts load them).
    const chunkSources = [
      'telnyx-wait-commands.ts',
      'telnyx-transfer.ts',
      'telnyx-hold.ts',
      'telnyx-record.ts',
      'telnyx-speech.ts',
      'telnyx-outbound.ts',
      'telnyx-recovery.ts',
    ].map((file) => `packages/telnyx/src/${file}`);
    expect(
      telnyx.staticInputs.filter((input) => chunkSources.includes(input)),
      'feature chunks loaded up front',
    ).toEqual([]);
    for (const source of chunkSources) {
      const chunk = telnyx.lazyChunks.find((lazy) => lazy.inputs.includes(source));
      expect(chunk, `${source}: no lazy chunk`).toBeDefined();
      // The chunk holds its own code only: what it uses from the up-front code comes in its context, not by an import
      // that would make esbuild split what both share into another up-front file.
      expect(
        chunk!.inputs.filter((input) => telnyx.staticInputs.includes(input)),
        source,
      ).toEqual([]);
      expect(chunk!.gzipped, `${source}: implausibly small`).toBeGreaterThan(300);
    }
    // The transcription languages only the waiting steps' commands read went with them.
    expect(telnyx.staticInputs).not.toContain('packages/telnyx/src/call-control-bodies.ts');
  });

  it(
    "keeps each budgeted package's npm tarball within its budget",
    async () => {
      const packed = await packedPackages();
      const budgeted = Object.keys(budget)
        .filter((key) => key.startsWith('packed '))
        .map((key) => key.slice('packed '.length));
      expect(budgeted).toContain('@callflow/core');
      const over: string[] = [];
      for (const name of budgeted) {
        const info = packed.find((entry) => entry.name === name);
        expect(info, `${name} is a published package`).toBeDefined();
        const bytes = statSync(info!.tarball).size;
        // A tarball that is suddenly tiny means the build output went missing.
        expect(bytes, `${name} is implausibly small`).toBeGreaterThan(20_000);
        const limit = budget[`packed ${name}`]!;
        if (bytes > limit) over.push(`${name}: ${bytes} B packed > budget ${limit} B (+${bytes - limit} B)`);
      }
      expect(over, 'a tarball grew past size-budget.json; shrink it or raise the budget on purpose').toEqual([]);
    },
    15 * 60_000,
  );

  it('keeps the Vonage transfer, record and conference NCCOs off the handler path: a flow without the step never loads them', async () => {
    const { vonage } = await adapterBundleSizes();
    const source = (file: string) => `packages/vonage/src/${file}`;
    // What only a flow with the step runs: a transfer's connect, its events and the called party's webhooks (whisper,
    // screening), a record's NCCO, its event and the wait for its recording, a conference's conversation; the queue's
    // NCCOs (in the queue chunk); the public renderNcco, which has every renderer at hand (the handler renders with the
    // ones it loaded), and the index's bindings of the chunked public functions.
    const chunkSources = {
      'vonage-transfer-chunk.ts': ['vonage-transfer-chunk.ts', 'render-ncco-transfer.ts', 'parse-vonage-connect-event.ts'],
      'vonage-record-conference-chunk.ts': [
        'vonage-record-conference-chunk.ts',
        'render-ncco-record.ts',
        'render-ncco-conference.ts',
        'parse-vonage-record-event.ts',
      ],
      'vonage-queue-chunk.ts': ['render-ncco-queue.ts'],
    };
    const offPath = [...Object.values(chunkSources).flat(), 'render-ncco-complete.ts', 'vonage-chunked-exports.ts'].map(source);
    expect(
      vonage.staticInputs.filter((input) => offPath.includes(input)),
      'Vonage step renderers loaded up front',
    ).toEqual([]);
    // Still reachable, behind a dynamic import(), for a flow with the step (a source shared by two chunks sits in a chunk both import).
    const lazyInputs = vonage.lazyChunks.flatMap((chunk) => chunk.inputs);
    for (const [entry, sources] of Object.entries(chunkSources)) {
      const chunk = vonage.lazyChunks.find((lazy) => lazy.name === source(entry));
      expect(chunk, `no lazy chunk for ${entry}`).toBeDefined();
      expect(chunk!.gzipped, `${entry}: implausibly small`).toBeGreaterThan(300);
      expect(lazyInputs).toEqual(expect.arrayContaining(sources.map(source)));
    }
  });

  it("keeps a refused Vonage signature's words off the handler path: a handler whose webhooks verify never loads them", async () => {
    const { vonage } = await adapterBundleSizes();
    const messages = 'packages/vonage/src/vonage-signature-messages.ts';
    expect(vonage.staticInputs, 'the signature refusals loaded up front').not.toContain(messages);
    // Still reachable, behind a dynamic import(), for the first refused webhook.
    const chunk = vonage.lazyChunks.find((lazy) => lazy.name === messages);
    expect(chunk, 'no Vonage signature messages chunk').toBeDefined();
    expect(chunk!.gzipped, 'the signature messages chunk is implausibly small').toBeGreaterThan(300);
  });

  it('keeps the Telnyx sixth-pass chunks off the handler path: a call whose commands all go through never loads them', async () => {
    const { telnyx } = await adapterBundleSizes();
    // What only some calls run: a failed command's handling and retries (execute-commands.ts loads it at a first failure).
    const chunkSources = ['telnyx-command-failure.ts'].map((file) => `packages/telnyx/src/${file}`);
    expect(
      telnyx.staticInputs.filter((input) => chunkSources.includes(input)),
      'sixth-pass chunks loaded up front',
    ).toEqual([]);
    for (const source of chunkSources) {
      const chunk = telnyx.lazyChunks.find((lazy) => lazy.inputs.includes(source));
      expect(chunk, `${source}: no lazy chunk`).toBeDefined();
      // Its own code only: what it uses from the up-front code is handed to it.
      expect(
        chunk!.inputs.filter((input) => telnyx.staticInputs.includes(input)),
        source,
      ).toEqual([]);
      expect(chunk!.gzipped, `${source}: implausibly small`).toBeGreaterThan(300);
    }
  });
});
