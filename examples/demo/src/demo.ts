import { createInterface } from 'node:readline/promises';
import { describeEntry, runSoftphone } from '@callflow/cli';
import { phoneTree } from '@callflow/example-flows';
import { simulateCall, simulatedProviders, type SimulatedProvider } from '@callflow/testing';

const names: Record<SimulatedProvider, string> = {
  twilio: 'Twilio (TwiML)',
  vonage: 'Vonage (NCCO)',
  telnyx: 'Telnyx (Call Control commands)',
};

const banner = `
callflow demo: the ACME phone tree (seed 001), one flow, three providers.
Each call goes through the provider's local emulator over HTTP on 127.0.0.1, with signed webhooks,
into callflow's real handler for that provider. No account, no phone, no network.
`;

/** Without a terminal (CI, a pipe): one scripted call per provider, printed side by side in turn. */
async function scripted(): Promise<void> {
  console.log(banner);
  const input = ['3', '5', '1'];
  console.log(`A scripted caller presses ${input.join(', then ')} and leaves a voicemail, on each provider:\n`);
  const heard: string[] = [];
  for (const provider of simulatedProviders) {
    const call = await simulateCall({ provider, flow: phoneTree, input, hooks: { voicemail: () => {} } });
    console.log(`── ${names[provider]}: ${call.webhooks} webhooks`);
    for (const entry of call.entries) console.log(`   ${describeEntry(entry)}`);
    heard.push(JSON.stringify(call.heard));
  }
  console.log(
    heard.every((text) => text === heard[0])
      ? '\nThe caller heard exactly the same call on all three providers.'
      : '\nThe providers differed: see above.',
  );
  console.log('Run `npm start` in a terminal to make the calls yourself.');
}

async function interactive(): Promise<void> {
  console.log(banner);
  const lines = createInterface({ input: process.stdin, output: process.stdout, terminal: false });
  const iterator = lines[Symbol.asyncIterator]();
  const readLine = async () => {
    const next = await iterator.next();
    return next.done ? undefined : next.value;
  };
  const ask = async (question: string) => {
    process.stdout.write(question);
    return (await readLine())?.trim();
  };
  for (;;) {
    const choice = await ask('Call with which provider? 1 Twilio, 2 Vonage, 3 Telnyx, q to quit: ');
    if (choice === undefined || /^q/i.test(choice)) break;
    const provider = simulatedProviders[Number(choice) - 1];
    if (!provider) {
      console.log('Please type 1, 2, 3 or q.');
      continue;
    }
    console.log(`\nCalling ACME on ${names[provider]}…`);
    const call = await runSoftphone({ flow: phoneTree, provider, readLine });
    console.log(`(${call.webhooks} webhooks; ended by ${call.endedBy})\n`);
  }
  lines.close();
}

const forced = process.argv.includes('--interactive');
await (process.stdin.isTTY || forced ? interactive() : scripted());
