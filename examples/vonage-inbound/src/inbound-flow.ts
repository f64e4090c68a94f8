import { defineFlow, enqueue, goto, hours, say, transfer } from '@callflow/core';

/** Settings of the seed 004 flow. */
export interface InboundFlowOptions {
  /** The agent's phone (E.164). */
  agentNumber: string;
  /** Music the caller hears while holding. */
  holdMusicUrl: string;
  /** True when the agent can take a call now. */
  isAgentFree: () => boolean | Promise<boolean>;
}

/** Name of the queue callers hold in until the agent frees up. */
export const agentQueue = 'agents';

/**
 * Seed 004, the three inbound scenarios as one flow: out of hours → a message; in hours with the agent free →
 * forward; agent busy → hold with music until the app transfers the caller to `connect_agent`.
 */
export function createInboundFlow(options: InboundFlowOptions) {
  return defineFlow({
    name: 'vonage-inbound',
    start: 'start',
    schedules: {
      office: { timezone: 'Europe/London', weekly: { weekdays: ['09:00-17:30'] } },
    },
    nodes: {
      start: [hours('office', { open: 'open', closed: 'closed' })],
      closed: [say('Hello, our office hours are Monday to Friday nine until five thirty. Please call back then.')],
      open: async () => ((await options.isAgentFree()) ? [goto('forward')] : [goto('hold')]),
      forward: [
        say('Hello, one moment please, your call is being forwarded to our agent.'),
        transfer(options.agentNumber, { ringSeconds: 30, onFailed: 'hold' }),
      ],
      hold: [
        say(
          "Hello, I'm sorry, but all our agents are helping customers right now. Please hold, and we will put you through as soon as possible.",
        ),
        enqueue(agentQueue, { holdMusic: options.holdMusicUrl }),
      ],
      connect_agent: [say('Now connecting you. Thanks for waiting.'), transfer(options.agentNumber, { ringSeconds: 30, onFailed: 'hold' })],
    },
  });
}
