import { isCallFlowError, providerRegistry, type ProviderName } from '@callflow/core';
import {
  createEngine,
  defineFlow,
  conference,
  enqueue,
  gather,
  goto,
  hangup,
  hours,
  pause,
  play,
  record,
  reject,
  say,
  transfer,
  type Flow,
  type StepType,
} from '@callflow/core';
import { continuationStates, planCommands } from '@callflow/telnyx';
import { renderTwiml, twimlWarnings } from '@callflow/twilio';
import { renderNcco } from '@callflow/vonage';

// One page per step, showing the same turn as TwiML, NCCO and Telnyx commands. The renderings are golden
// files under test/golden/steps/ and the pages embed them; test/docs.test.ts fails when either is stale.
// Regenerate both with `npx tsx scripts/step-pages.ts --write`.

const at = Date.parse('2026-11-23T15:00:00Z');
const inWords = (items: string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`);
const call = { callId: 'CA0123456789abcdef0123456789abcdef', from: '+15550100001', to: '+15550100002' };
const secret = 'docs-step-pages-secret-0123456789';
const office = { timezone: 'America/New_York', weekly: { weekdays: ['09:00-17:00'] } };

interface StepExample {
  step: StepType;
  summary: string;
  flow: Flow;
  /** Code shown on the page: the node as written in the DSL. */
  code: string;
}

const examples: StepExample[] = [
  {
    step: 'say',
    summary: "Speaks text with text-to-speech. `voice`, `language` and `loop` map to each provider's own names.",
    code: "say('Welcome to ACME.', { voice: 'alice', language: 'en-US', loop: 2 }), hangup()",
    flow: defineFlow({
      name: 'say',
      start: 'main',
      nodes: { main: [say('Welcome to ACME.', { voice: 'alice', language: 'en-US', loop: 2 }), hangup()] },
    }),
  },
  {
    step: 'play',
    summary: 'Plays an audio file from a URL.',
    code: "play('https://audio.example.com/chime.mp3', { loop: 2 }), hangup()",
    flow: defineFlow({
      name: 'play',
      start: 'main',
      nodes: { main: [play('https://audio.example.com/chime.mp3', { loop: 2 }), hangup()] },
    }),
  },
  {
    step: 'pause',
    summary: 'Silence for a number of seconds. Telnyx has no pause command, so it is emulated.',
    code: "say('One moment.'), pause(2), say('Thanks for waiting.'), hangup()",
    flow: defineFlow({
      name: 'pause',
      start: 'main',
      nodes: { main: [say('One moment.'), pause(2), say('Thanks for waiting.'), hangup()] },
    }),
  },
  {
    step: 'gather',
    summary:
      'A menu: the prompt plays while listening for keys and words, and the engine routes on them, with limits for silence and for wrong input apart. The provider reports back once per try; Telnyx listens for speech with a transcription beside the DTMF gather.',
    code: "gather({ prompt: 'Press 1 or say sales, press 2 or say support.', input: 'both', numDigits: 1, timeoutSeconds: 5, routes: { '1': 'sales', '2': 'support', sales: 'sales', support: 'support' }, invalidPrompt: 'Sorry, that is not an option.', noInput: { attempts: 2, then: 'operator' }, invalid: { attempts: 3, then: 'goodbye' } })",
    flow: defineFlow({
      name: 'gather',
      start: 'menu',
      nodes: {
        menu: [
          gather({
            prompt: 'Press 1 or say sales, press 2 or say support.',
            input: 'both',
            numDigits: 1,
            timeoutSeconds: 5,
            routes: { '1': 'sales', '2': 'support', sales: 'sales', support: 'support' },
            invalidPrompt: 'Sorry, that is not an option.',
            noInput: { attempts: 2, then: 'operator' },
            invalid: { attempts: 3, then: 'goodbye' },
          }),
        ],
        sales: [say('Sales.')],
        support: [say('Support.')],
        operator: [say('Operator.')],
        goodbye: [say('Goodbye.')],
      },
    }),
  },
  {
    step: 'record',
    summary: 'Records the caller (voicemail). The recording comes back as an outcome; `notify` runs an application hook with it.',
    code: "say('Please leave a message after the beep.'), record({ maxSeconds: 60, silenceSeconds: 5, finishOnKey: '#', beep: true, notify: 'voicemail' }), say('Thank you.')",
    flow: defineFlow({
      name: 'record',
      start: 'main',
      nodes: {
        main: [
          say('Please leave a message after the beep.'),
          record({ maxSeconds: 60, silenceSeconds: 5, finishOnKey: '#', beep: true, notify: 'voicemail' }),
          say('Thank you.'),
        ],
      },
    }),
  },
  {
    step: 'transfer',
    summary:
      'Connects the caller to a number or SIP address; busy, no answer and failure come back so the call goes on to its fallback. Here the called party also hears a whisper before it is connected, and an extension is dialled once it answers.',
    code: "transfer('+14155550100', { callerId: '+14155550199', ringSeconds: 20, sendDigits: 'ww204', whisper: [play('https://audio.example.com/clinic-line.mp3')], onBusy: 'voicemail', onNoAnswer: 'voicemail' })",
    flow: defineFlow({
      name: 'transfer',
      start: 'main',
      nodes: {
        main: [
          transfer('+14155550100', {
            callerId: '+14155550199',
            ringSeconds: 20,
            sendDigits: 'ww204',
            whisper: [play('https://audio.example.com/clinic-line.mp3')],
            onBusy: 'voicemail',
            onNoAnswer: 'voicemail',
          }),
        ],
        voicemail: [record()],
      },
    }),
  },
  {
    step: 'enqueue',
    summary:
      'Holds the caller in a named queue with music until an agent takes the call, telling them their place in the words the flow gives. Vonage has no queue: it is emulated with a conversation and the store, and refuses `announce.everySeconds` and `escape`; Twilio and Telnyx repeat the announcement and hear the escape key at the breaks in the hold music.',
    code: "say('Please hold.'), enqueue('support', { holdMusic: 'https://audio.example.com/hold.mp3', announce: { template: 'You are number {position} in line. Expected wait: {waitMinutes} min.' }, maxWaitSeconds: 300, onTimeout: 'voicemail' })",
    flow: defineFlow({
      name: 'enqueue',
      start: 'main',
      nodes: {
        main: [
          say('Please hold.'),
          enqueue('support', {
            holdMusic: 'https://audio.example.com/hold.mp3',
            announce: { template: 'You are number {position} in line. Expected wait: {waitMinutes} min.' },
            maxWaitSeconds: 300,
            onTimeout: 'voicemail',
          }),
        ],
        voicemail: [record()],
      },
    }),
  },
  {
    step: 'conference',
    summary:
      'Joins a named conference room; callers with the same room talk together. `beep: true` and `maxParticipants` work on Twilio and Telnyx; Vonage refuses them when the handler is created (its conversation has neither).',
    code: "conference('team-standup', { startOnEnter: true, endOnExit: false, muted: false, holdMusic: 'https://audio.example.com/wait.mp3' })",
    flow: defineFlow({
      name: 'conference',
      start: 'main',
      nodes: {
        main: [
          conference('team-standup', {
            startOnEnter: true,
            endOnExit: false,
            muted: false,
            holdMusic: 'https://audio.example.com/wait.mp3',
          }),
        ],
      },
    }),
  },
  {
    step: 'goto',
    summary: 'Continues at another node within the same turn: the engine follows it, so providers only see the steps it leads to.',
    code: "welcome: [say('Welcome.'), goto('main_menu')], main_menu: [say('This is the main menu.'), hangup()]",
    flow: defineFlow({
      name: 'goto',
      start: 'welcome',
      nodes: { welcome: [say('Welcome.'), goto('main_menu')], main_menu: [say('This is the main menu.'), hangup()] },
    }),
  },
  {
    step: 'hangup',
    summary: 'Ends the call. Vonage has no hangup action: the NCCO simply ends.',
    code: "say('Goodbye.'), hangup()",
    flow: defineFlow({ name: 'hangup', start: 'main', nodes: { main: [say('Goodbye.'), hangup()] } }),
  },
  {
    step: 'reject',
    summary:
      'Declines the call without answering it, as busy or rejected. Vonage answers every inbound call before it asks for the NCCO, so it cannot: rendering fails with unsupported-step.',
    code: "reject({ reason: 'busy' })",
    flow: defineFlow({ name: 'reject', start: 'main', nodes: { main: [reject({ reason: 'busy' })] } }),
  },
  {
    step: 'hours',
    summary:
      "Branches on business hours with the engine's clock (here a Monday at 10:00 in New York, so open). Providers only see the branch taken.",
    code: "hours('office', { open: 'open', closed: 'closed' })",
    flow: defineFlow({
      name: 'hours',
      start: 'main',
      schedules: { office },
      nodes: {
        main: [hours('office', { open: 'open', closed: 'closed' })],
        open: [say('We are open.'), hangup()],
        closed: [say('We are closed.'), hangup()],
      },
    }),
  },
];

type StepEngine = ReturnType<typeof createEngine>;
type StepTurn = Awaited<ReturnType<StepEngine['start']>>;

/** How each provider in the registry renders a step's first turn, and how its page shows the golden file. */
const renderers: Record<
  ProviderName,
  {
    file: string;
    fence: 'xml' | 'json';
    headingNote?: string;
    render(turn: StepTurn, engine: StepEngine): Promise<{ text: string; warnings: string[] }>;
  }
> = {
  twilio: {
    file: 'twilio.xml',
    fence: 'xml',
    async render(turn) {
      return { text: `${renderTwiml(turn, { actionUrl: 'https://ivr.example.com/voice' })}\n`, warnings: twimlWarnings(turn) };
    },
  },
  vonage: {
    file: 'vonage.json',
    fence: 'json',
    async render(turn) {
      const ncco = renderNcco(turn, { eventUrl: 'https://ivr.example.com/vonage', queuePosition: 1 });
      return { text: `${JSON.stringify(ncco.output, null, 2)}\n`, warnings: ncco.warnings };
    },
  },
  telnyx: {
    file: 'telnyx.json',
    fence: 'json',
    headingNote: 'sent in order',
    async render(turn, engine) {
      const continuations = await Promise.all(continuationStates(turn).map((state) => engine.sign(state, call)));
      const commands = planCommands(turn, { continuations, answer: true });
      return { text: `${JSON.stringify(commands.output, null, 2)}\n`, warnings: commands.warnings };
    },
  },
};

/** golden file path (relative to the repository) → content, for every step and provider. */
export async function stepGoldens(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const example of examples) {
    const engine = createEngine(example.flow, { secret, now: () => at });
    const turn = await engine.start(call);
    const dir = `test/golden/steps/${example.step}`;
    const warnings: Record<string, string[]> = {};
    for (const { name } of providerRegistry) {
      const rendered = await renderers[name].render(turn, engine).catch((error: unknown) => {
        // A step the provider cannot run: the golden file is the error the adapter raises, by code and message.
        if (!isCallFlowError(error, 'unsupported-step')) throw error;
        return { text: `${JSON.stringify({ error: error.code, message: error.message }, null, 2)}\n`, warnings: [] };
      });
      out.set(`${dir}/${renderers[name].file}`, rendered.text);
      warnings[name] = rendered.warnings;
    }
    out.set(`${dir}/warnings.json`, `${JSON.stringify(warnings, null, 2)}\n`);
  }
  return out;
}

function prettyXml(xml: string): string {
  // One element per line, indented, for reading only (the golden file keeps the exact bytes sent).
  const tokens = xml.replace(/^<\?xml[^>]*\?>/, '').match(/<[^>]+>|[^<]+/g) ?? [];
  let depth = 0;
  const lines: string[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (token.startsWith('</')) {
      depth--;
      lines.push(`${'  '.repeat(depth)}${token}`);
    } else if (
      token.startsWith('<') &&
      !token.endsWith('/>') &&
      tokens[index + 2]?.startsWith('</') &&
      !tokens[index + 1]!.startsWith('<')
    ) {
      lines.push(`${'  '.repeat(depth)}${token}${tokens[index + 1]}${tokens[index + 2]}`);
      index += 2;
    } else if (token.startsWith('<')) {
      lines.push(`${'  '.repeat(depth)}${token}`);
      if (!token.endsWith('/>')) depth++;
    } else if (token.trim()) lines.push(`${'  '.repeat(depth)}${token.trim()}`);
  }
  return lines.join('\n');
}

/** docs page path → markdown, built from the golden files. */
export function stepPages(goldens: Map<string, string>): Map<string, string> {
  const pages = new Map<string, string>();
  const index = [
    '# Steps on each provider',
    '',
    `Each page shows one step as ${inWords(providerRegistry.map(({ displayName, output }) => `${output} (${displayName})`))}, rendered from the same turn by the adapters. They are generated from the golden files in \`test/golden/steps/\`, so they cannot drift from the code. Field reference: [flow-format.md](../flow-format.md). Native, emulated or unsupported per provider: [capabilities.md](../capabilities.md).`,
    '',
  ];
  for (const example of examples) {
    const dir = `test/golden/steps/${example.step}`;
    const warnings = JSON.parse(goldens.get(`${dir}/warnings.json`)!) as Record<string, string[]>;
    const warningLines = Object.entries(warnings).flatMap(([provider, list]) => list.map((warning) => `- ${provider}: ${warning}`));
    const page = [
      `# \`${example.step}\``,
      '',
      example.summary,
      '',
      '```ts',
      example.code,
      '```',
      '',
      'The long values in URLs and `client_state` are the signed continuation tokens, exactly as sent.',
      '',
      ...providerRegistry.flatMap(({ name, displayName, output }) => {
        const { file, fence, headingNote } = renderers[name];
        const golden = goldens.get(`${dir}/${file}`)!.trim();
        return [
          `## ${displayName} (${output}${headingNote ? `, ${headingNote}` : ''})`,
          '',
          `\`\`\`${fence}`,
          fence === 'xml' ? prettyXml(golden) : golden,
          '```',
          '',
        ];
      }),
      '## Warnings',
      '',
      ...(warningLines.length ? warningLines : ['None: every provider renders this natively.']),
      '',
    ];
    pages.set(`docs/steps/${example.step}.md`, page.join('\n'));
    index.push(`- [\`${example.step}\`](${example.step}.md): ${example.summary}`);
  }
  pages.set('docs/steps/README.md', `${index.join('\n')}\n`);
  return pages;
}

if (process.argv.includes('--write')) {
  const { mkdirSync, writeFileSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  const goldens = await stepGoldens();
  for (const [path, content] of [...goldens, ...stepPages(goldens)]) {
    const file = new URL(`../${path}`, import.meta.url);
    mkdirSync(dirname(file.pathname), { recursive: true });
    writeFileSync(file, content);
  }
  console.log(`wrote ${goldens.size} golden files and ${examples.length + 1} pages`);
}
