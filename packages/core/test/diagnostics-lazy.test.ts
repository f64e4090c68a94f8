import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The flow diagnostics are a chunk of their own (issue 17): a flow that is right is accepted without them; a wrong one
// loads them (by require on Node) to list its problems. Here, a runtime without process.getBuiltinModule (Workers, or
// callflow bundled again) as it behaves before and after `loadFlowDiagnostics()`. Each test imports core afresh.

type Core = typeof import('../src/index.js');
const freshCore = async (): Promise<Core> => {
  vi.resetModules();
  return import('../src/index.js');
};

const original = process.getBuiltinModule;
const call = { callId: 'CA-diagnostics', from: '+15551230000', to: '+15559870000', provider: 'twilio' };

describe('flow diagnostics on a runtime that cannot load them synchronously', () => {
  beforeEach(() => {
    Object.defineProperty(process, 'getBuiltinModule', { value: undefined, configurable: true, writable: true });
  });
  afterEach(() => {
    Object.defineProperty(process, 'getBuiltinModule', { value: original, configurable: true, writable: true });
  });

  it('accepts a flow that is right without them', async () => {
    const core = await freshCore();
    const flow = core.defineFlow({ name: 'right', start: 'menu', nodes: { menu: [core.say('Hi.'), core.hangup()] } });
    expect(core.createEngine(flow, { secret: 'diagnostics-secret-0123456789' }).flow).toBe(flow);
    expect(core.stepSchema.safeParse({ type: 'say', text: 'Hi.' })).toEqual({ success: true, data: { type: 'say', text: 'Hi.' } });
  });

  it('refuses a wrong flow at once, saying how to get its problems; after loadFlowDiagnostics() it lists them', async () => {
    const core = await freshCore();
    // A misspelled reference, which the compiler would catch in a TypeScript flow: the flow comes from elsewhere.
    const definition = { name: 'wrong', start: 'menu', nodes: { menu: [{ type: 'goto', node: 'salse' }], sales: [core.hangup()] } };
    const wrong = () => core.defineFlow(definition as unknown as Parameters<Core['defineFlow']>[0]);
    let thrown: unknown;
    try {
      wrong();
    } catch (error) {
      thrown = error;
    }
    expect(core.isCallFlowError(thrown, 'invalid-flow')).toBe(true);
    expect((thrown as Error).message).toMatch(/await loadFlowDiagnostics\(\)/);
    expect(() => core.validateFlow({})).toThrow(/await loadFlowDiagnostics\(\)/);
    await core.loadFlowDiagnostics();
    expect(wrong).toThrow("nodes.menu[0].node: unknown node 'salse' (did you mean 'sales'?)");
    expect(core.validateFlow({}).ok).toBe(false);
  });

  it('refuses wrong handler options at once, naming each option; after loadFlowDiagnostics() it words each problem (and did-you-mean works)', async () => {
    const core = await freshCore();
    const provider = { name: 'test', checkOptions: () => [{ option: 'apiKey', message: 'is required' }] } as unknown as Parameters<
      Core['checkHandlerOptions']
    >[0];
    const options = { flow: {}, secret: 'short', publicBaseUrl: 'ivr.example.com' } as unknown as Parameters<
      Core['checkHandlerOptions']
    >[1];
    let thrown: unknown;
    try {
      core.checkHandlerOptions(provider, options);
    } catch (error) {
      thrown = error;
    }
    expect(core.isCallFlowError(thrown, 'invalid-options')).toBe(true);
    const { provider: named, reason } = thrown as InstanceType<Core['CallFlowError']>;
    expect({ named, reason }).toEqual({ named: 'test', reason: 'secret' });
    expect((thrown as Error).message).toMatch(
      /^\[callflow:test\] invalid handler options: secret is wrong; publicBaseUrl is wrong; apiKey is required \(.*`await loadFlowDiagnostics\(\)`.*\)$/,
    );
    expect(() => core.commonOptionProblems(options, true)).toThrow(/await loadFlowDiagnostics\(\)/);
    expect(() => core.didYouMean('salse', ['sales'])).toThrow(/await loadFlowDiagnostics\(\)/);
    await core.loadFlowDiagnostics();
    expect(() => core.checkHandlerOptions(provider, options)).toThrow(
      "invalid handler options: secret every secret must be a string of 16 or more characters; publicBaseUrl 'ivr.example.com' is not an absolute URL; include the scheme, e.g. https://ivr.example.com; apiKey is required",
    );
    expect(core.didYouMean('salse', ['sales', 'support'])).toBe("did you mean 'sales'?");
    expect(core.nearest('timout', ['timeoutSeconds'])).toBe('timeoutSeconds');
    expect(core.editDistance('kitten', 'sitting')).toBe(3);
  });

  it('lists the problems of a wrong step a dynamic node returns (the engine loads them itself)', async () => {
    const core = await freshCore();
    const flow = core.defineFlow({
      name: 'dynamic',
      start: 'menu',
      nodes: { menu: () => [{ type: 'say', text: '' }], bye: [core.hangup()] },
    });
    const errors: string[] = [];
    const engine = core.createEngine(flow, { secret: 'diagnostics-secret-0123456789', onError: (error) => errors.push(error.message) });
    await engine.start(call);
    expect(errors).toEqual(["[callflow] dynamic node 'menu' returned invalid steps: [0].text: text must not be empty"]);
  });

  it('names the nodes and schedules a dynamic node returns that the flow does not have, and runs right steps', async () => {
    const core = await freshCore();
    let right = false;
    const flow = core.defineFlow({
      name: 'dynamic',
      start: 'menu',
      nodes: {
        menu: () =>
          right
            ? [core.say('Hi.'), core.goto('bye')]
            : [core.say('Hi.'), { type: 'goto', node: 'salse' }, { type: 'hours', schedule: 'office', open: 'bye', closed: 'bye' }],
        bye: [core.hangup()],
      },
    } as unknown as Parameters<Core['defineFlow']>[0]);
    const errors: string[] = [];
    const engine = core.createEngine(flow, { secret: 'diagnostics-secret-0123456789', onError: (error) => errors.push(error.message) });
    await engine.start(call);
    expect(errors).toEqual([
      "[callflow] dynamic node 'menu' returned invalid steps: [1].node: unknown node 'salse'; [2].schedule: unknown schedule 'office'",
    ]);
    errors.length = 0;
    right = true;
    const turn = await engine.start(call);
    expect(errors).toEqual([]);
    expect({ error: turn.error, ended: turn.ended, node: turn.node, steps: turn.steps.length }).toEqual({
      error: undefined,
      ended: true,
      node: 'bye',
      steps: 1,
    });
  });
});
