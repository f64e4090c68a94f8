// callflow on Vonage with @callflow/redis: the phone tree served by createVonageHandler on node:http, its store on the
// redis-server at config.redisUrl (shared by every instance the bench starts, as several instances behind a load balancer).
// With `preseed`, that many calls are answered through the handler before listening (answerVonageCalls in common.mjs).
import { createServer } from 'node:http';
import { parseFlow, silentLogger, toNodeListener } from '@callflow/core';
import { createRedisStore } from '@callflow/redis';
import { createVonageHandler } from '@callflow/vonage';
import { answerVonageCalls, config, listen, readFlowJson } from './common.mjs';

const store = createRedisStore({ client: config.redisUrl, prefix: config.prefix, logger: silentLogger });
const handler = createVonageHandler({
  flow: parseFlow(readFlowJson(), { format: 'json' }),
  secret: config.secret,
  signatureSecret: config.signatureSecret,
  publicBaseUrl: config.publicUrl,
  store,
  logger: silentLogger,
});
await answerVonageCalls(handler);
listen(createServer(toNodeListener(handler)));
