// A stand-in for the Telnyx Call Control API for the load test, on 127.0.0.1, so every command the servers under test
// send crosses real HTTP as it does in production: answers each command with {"data":{"result":"ok"}} (the shape of a
// command's answer, https://developers.telnyx.com/api-reference/call-commands/answer-call), counts the commands by
// action and keeps each call's last client_state. GET /__bench/commands, /__bench/client-states and
// /__bench/client-state?call=<call_control_id> report them.
import { createServer } from 'node:http';
import { listen } from './common.mjs';

const counts = {};
const clientStates = {};
const json = (response, value) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));

listen(
  createServer((request, response) => {
    if (request.method === 'GET' && request.url === '/__bench/commands') return json(response, counts);
    if (request.method === 'GET' && request.url === '/__bench/client-states') return json(response, clientStates);
    if (request.method === 'GET' && request.url.startsWith('/__bench/client-state?')) {
      return json(response, clientStates[new URL(request.url, 'http://127.0.0.1').searchParams.get('call')] ?? null);
    }
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const match = /\/calls\/([^/]+)\/actions\/([^/?]+)/.exec(String(request.url));
      const action = match ? match[2] : String(request.url);
      counts[action] = (counts[action] ?? 0) + 1;
      if (match && chunks.length > 0) {
        const body = JSON.parse(Buffer.concat(chunks).toString());
        if (body.client_state) clientStates[decodeURIComponent(match[1])] = body.client_state;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"result":"ok"}}');
    });
  }),
);
