import { createInterface } from 'node:readline/promises';
import type { Readable, Writable } from 'node:stream';
import type { Flow } from '@callflow/core';
import { simulateCall, type CallerAction, type SimulatedCall, type SimulatedProvider, type TranscriptEntry } from '@callflow/testing';

/** One transcript entry as a line a person reads. */
export function describeEntry(entry: TranscriptEntry): string {
  switch (entry.type) {
    case 'say':
      return `🔊 ${entry.text}`;
    case 'play':
      return `🎵 (audio) ${entry.url}`;
    case 'pause':
      return `… (${entry.seconds} s of silence)`;
    case 'input':
      return entry.timeout ? '☎  (silence)' : entry.speech !== undefined ? `🗣  "${entry.speech}"` : `☎  pressed ${entry.digits}`;
    case 'transfer':
      return `↪  transfer to ${entry.to}: ${entry.status}`;
    case 'reject':
      return `⛔ the call was declined (${entry.reason})`;
    case 'record':
      return `⏺  recorded ${entry.durationSeconds} s`;
    case 'enqueue':
      return `⏳ waited in queue '${entry.queue}': ${entry.result}`;
    case 'conference':
      return `👥 joined conference '${entry.room}'`;
    case 'hangup':
      return entry.by === 'caller' ? '📴 you hung up' : '📴 the call ended';
    case 'answered':
      return `📞 answered by a ${entry.by === 'unknown' ? 'party detection cannot classify' : entry.by}`;
    case 'unanswered':
      return `📵 not answered: ${entry.status}`;
  }
}

/** Parses what a person typed at a gather: digits and * #, `h` to hang up, empty for silence, anything else as speech. */
export function parseKeys(line: string): CallerAction {
  const text = line.trim();
  if (text === '') return { silence: true };
  if (/^(h|hangup|q|quit)$/i.test(text)) return { hangup: true };
  if (/^[0-9*#]+$/.test(text)) return text;
  return { speech: text };
}

/** Options of an interactive call in the terminal. */
export interface SoftphoneOptions {
  flow: Flow;
  provider: SimulatedProvider;
  at?: string;
  /** Where key presses come from; default stdin. */
  input?: Readable;
  /** Reads one line; overrides `input` (lets a caller share one line reader between several calls). */
  readLine?: () => Promise<string | undefined>;
  output?: Writable;
}

/**
 * Calls a flow from the terminal: prints what the caller hears as it happens and reads key presses at every gather.
 * Runs through the provider's emulator and the real adapter, as `simulateCall` does.
 */
export async function runSoftphone(options: SoftphoneOptions): Promise<SimulatedCall> {
  const output = options.output ?? process.stdout;
  const lines = options.readLine ? undefined : createInterface({ input: options.input ?? process.stdin, output, terminal: false });
  const iterator = lines?.[Symbol.asyncIterator]();
  const readLine =
    options.readLine ??
    (async () => {
      const next = await iterator!.next();
      return next.done ? undefined : next.value;
    });
  let shown = 0;
  const show = (entries: readonly TranscriptEntry[]) => {
    for (; shown < entries.length; shown++) output.write(`${describeEntry(entries[shown]!)}\n`);
  };
  try {
    const call = await simulateCall({
      provider: options.provider,
      flow: options.flow,
      at: options.at,
      hooks: new Proxy({}, { get: () => () => undefined }),
      answer: async (heard) => {
        show(heard);
        output.write('⌨  keys then Enter (Enter alone = silence, h = hang up): ');
        const line = await readLine();
        if (line === undefined) {
          output.write('\n');
          return { hangup: true };
        }
        const action = parseKeys(line);
        shown = heard.length; // the emulator records the input itself
        return action;
      },
    });
    show(call.entries);
    return call;
  } finally {
    lines?.close();
  }
}
