// A stand-in for the Telnyx Call Control API for the cold-start bench, on 127.0.0.1: answers every command with
// {"data":{"result":"ok"}} (the shape of a command's answer, https://developers.telnyx.com/api-reference/call-commands/answer-call)
// and writes one line per command (its action, the last path segment) to stdout, after a first line with its port.
import { createServer } from 'node:http';

const server = createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    process.stdout.write(`${String(request.url).split('?')[0].split('/').pop()}\n`);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"result":"ok"}}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
