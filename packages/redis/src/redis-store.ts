import {
  CallFlowError,
  claimStepByStep,
  silentLogger,
  type Logger,
  type QueueOperations,
  type Store,
  type StoreClaimResult,
  type StoreWriteOptions,
} from '@callflow/core';
import { Cluster, Redis, type ClusterNode, type RedisOptions } from 'ioredis';
import {
  claimScript,
  compareAndSetScript,
  incrementScript,
  queueClaimScript,
  queueConfirmScript,
  queuePushScript,
  queueReleaseScript,
  queueRemoveScript,
  setManyScript,
  type RedisScript,
} from './redis-scripts.js';
import { readRedisServerSettings, type RedisServerSettings } from './redis-server-settings.js';

/** Where the Sentinels of a primary/replica set listen, and the name they know the primary by (`sentinel monitor <name> …`). */
export interface RedisSentinelOptions {
  sentinels: Array<{ host: string; port: number }>;
  name: string;
}

/** Options for `createRedisStore`. */
export interface RedisStoreOptions {
  /**
   * An ioredis client or Cluster you created (see `recommendedRedisOptions`), or a `redis://` / `rediss://` URL; default
   * `redis://127.0.0.1:6379`. Ignored when `cluster` or `sentinel` is given.
   */
  client?: Redis | Cluster | string;
  /** Redis Cluster: some of its nodes; the store creates an ioredis Cluster with the recommended options. */
  cluster?: ClusterNode[];
  /** A primary with replicas behind Sentinel: the store asks the Sentinels for the primary and follows a failover. */
  sentinel?: RedisSentinelOptions;
  /**
   * Read the server's persistence and eviction settings on every (re)connection and warn through `logger` when they can lose
   * call state; default true.
   */
  checkServerSettings?: boolean;
  /** Put before every key so several applications can share one Redis; default `callflow:`. */
  prefix?: string;
  /** Milliseconds an operation may take, waiting for a connection included, before it rejects with `store-unavailable`; default 500. */
  timeoutMs?: number;
  /** Where connection problems are reported; default: silent. */
  logger?: Logger;
}

/** A `Store` on Redis, with native atomic queues; `close()` disconnects a client the store created itself. */
export interface RedisStore extends Store, QueueOperations {
  readonly client: Redis | Cluster;
  readonly prefix: string;
  /** Reads the persistence and eviction settings of the server (every primary, on a cluster) and lists what can lose call state. */
  serverSettings(): Promise<RedisServerSettings[]>;
  close(): Promise<void>;
}

/**
 * ioredis options the store uses for a client it creates, and recommends for one you pass:
 * no offline queue and no re-sending after a reconnect, so a command the store reported as failed never runs later; and
 * auto-pipelining, so the commands of webhooks handled at the same time share one write and one read.
 */
export const recommendedRedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(50 * attempt, 1_000),
} satisfies RedisOptions;

// A Cluster takes its retry strategy and offline queue at the top level, the rest per node.
const { retryStrategy: _retryStrategy, enableOfflineQueue: _enableOfflineQueue, ...clusterNodeOptions } = recommendedRedisOptions;

// Redis answered, but cannot serve right now: the provider should retry later, like when it is unreachable.
// OOM: maxmemory reached under noeviction; the write was refused whole, and a retry succeeds once memory is freed.
const transientReply = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF|OOM)\b/;

const ttlMilliseconds = (options: StoreWriteOptions | undefined): string =>
  options?.ttlSeconds === undefined || !Number.isFinite(options.ttlSeconds)
    ? ''
    : String(Math.max(1, Math.ceil(options.ttlSeconds * 1000)));

/**
 * The core `Store` on Redis (ioredis): single-key atomic operations (Lua where a read decides a write), TTLs, a key prefix per
 * application, and ordered queues on sorted sets. When Redis is unreachable every operation rejects within `timeoutMs` with
 * `CallFlowError('store-unavailable')`, which the provider handlers turn into a 503 so the provider retries the webhook.
 * @example
 * const store = createRedisStore({ client: process.env.REDIS_URL, prefix: 'support-line:' });
 */
export function createRedisStore(options: RedisStoreOptions = {}): RedisStore {
  const prefix = options.prefix ?? 'callflow:';
  const timeoutMs = options.timeoutMs ?? 500;
  const logger = options.logger ?? silentLogger;
  const ownsClient = options.cluster !== undefined || options.sentinel !== undefined || typeof options.client !== 'object';
  const client: Redis | Cluster = options.cluster
    ? new Cluster(options.cluster, {
        enableOfflineQueue: false,
        clusterRetryStrategy: recommendedRedisOptions.retryStrategy,
        redisOptions: { ...clusterNodeOptions, commandTimeout: timeoutMs },
      })
    : options.sentinel
      ? new Redis({
          ...recommendedRedisOptions,
          sentinels: options.sentinel.sentinels,
          name: options.sentinel.name,
          commandTimeout: timeoutMs,
          // A demoted primary answers READONLY: reconnect, which asks the Sentinels for the new one.
          reconnectOnError: (error) => /^READONLY\b/.test(error.message),
          // No failoverDetector: with it, ioredis 6 ended the client for good while the killed primary refused connections
          // (measured against redis-server 7.0 in test/redis-sentinel.test.ts); reconnecting asks the Sentinels anyway.
          sentinelRetryStrategy: recommendedRedisOptions.retryStrategy,
        })
      : typeof options.client === 'object'
        ? options.client
        : new Redis(options.client ?? 'redis://127.0.0.1:6379', { ...recommendedRedisOptions, commandTimeout: timeoutMs });

  const serverSettings = async (): Promise<RedisServerSettings[]> => {
    if (client instanceof Cluster) return Promise.all(client.nodes('master').map((node) => readRedisServerSettings(node)));
    return [await readRedisServerSettings(client)];
  };
  let lastRisks = '';
  const checkSettings = () => {
    serverSettings().then(
      (all) => {
        const risks = [...new Set(all.flatMap((settings) => settings.risks))];
        const summary = risks.join('\n');
        if (summary === lastRisks) return;
        lastRisks = summary;
        for (const risk of risks) logger.warn(`[callflow:redis] this Redis can lose call state: ${risk}`, { source: all[0]?.source });
      },
      () => {},
    );
  };
  if (options.checkServerSettings !== false) {
    client.on('ready', checkSettings);
    if (client.status === 'ready') checkSettings();
  }

  if (ownsClient) {
    let reported = false;
    client.on('error', (error: Error) => {
      if (reported) return;
      reported = true;
      logger.warn('[callflow:redis] connection problem; operations reject with store-unavailable until Redis is back', {
        error: error.message,
      });
    });
    client.on('ready', () => {
      if (reported) logger.info?.('[callflow:redis] connected again');
      reported = false;
    });
  } else if (
    (client instanceof Cluster
      ? client.options.redisOptions?.autoResendUnfulfilledCommands
      : client.options.autoResendUnfulfilledCommands) !== false
  ) {
    logger.warn(
      '[callflow:redis] this client re-sends unanswered commands after a reconnect, so a write reported as failed may still happen; use recommendedRedisOptions',
    );
  }

  const unavailable = (message: string, cause?: unknown) => new CallFlowError('store-unavailable', message, { provider: 'redis', cause });

  // One shared promise per outage, so hundreds of waiting operations add one listener, not hundreds.
  let nextReady: Promise<void> | undefined;
  const whenReady = (): Promise<void> => {
    nextReady ??= new Promise<void>((resolve) => {
      client.once('ready', () => {
        nextReady = undefined;
        resolve();
      });
    });
    return nextReady;
  };

  // One timer and one promise per operation (no Promise.race, no finally): this runs on every store call of every webhook.
  const withDeadline = <T>(work: Promise<T>, deadline: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(unavailable(`Redis did not answer ${what} within ${timeoutMs} ms`)),
        Math.max(0, deadline - Date.now()),
      );
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });

  const translate = (error: unknown, what: string, key: string): Error => {
    if (error instanceof CallFlowError) return error;
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && error.name === 'ReplyError') {
      if (transientReply.test(message)) return unavailable(`Redis cannot serve ${what} right now: ${message}`, error);
      if (/not an integer/.test(message))
        return new Error(`[callflow:redis] cannot increment non-integer value at '${key}'`, { cause: error });
      return new Error(`[callflow:redis] ${what} failed: ${message}`, { cause: error });
    }
    return unavailable(`Redis is unreachable (${what}): ${message}`, error);
  };

  // A single-server client whose own command timeout is within `timeoutMs` (one the store creates) times its commands itself:
  // on a ready connection no second timer per operation. A Cluster can hold a command back (a redirection, a slots refresh)
  // where no node's timeout runs, so its operations keep the store's deadline.
  const ownTimeout = client instanceof Cluster ? undefined : client.options.commandTimeout;
  const timesCommands = typeof ownTimeout === 'number' && ownTimeout > 0 && ownTimeout <= timeoutMs;

  // Sends only on a ready connection: nothing sits in an offline queue to run after the caller has been told it failed.
  const run = async <T>(what: string, key: string, command: () => Promise<T>): Promise<T> => {
    try {
      // A socket the server closed can still read 'ready' until the close event is processed: not writable means not ready.
      if (client.status === 'ready' && (client instanceof Cluster || client.stream?.writable !== false))
        return await (timesCommands ? command() : withDeadline(command(), Date.now() + timeoutMs, what));
      if (client.status === 'end') throw unavailable(`the Redis client was closed (${what})`);
      const deadline = Date.now() + timeoutMs;
      if (client.status === 'wait') client.connect().catch(() => {});
      await withDeadline(whenReady(), deadline, what);
      return await withDeadline(command(), deadline, what);
    } catch (error) {
      throw translate(error, what, key);
    }
  };

  const evaluate = async (script: RedisScript, keys: string | string[], args: Array<string | number>): Promise<unknown> => {
    const keyList = typeof keys === 'string' ? [keys] : keys;
    try {
      return await client.evalsha(script.sha1, keyList.length, ...keyList, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(script.source, keyList.length, ...keyList, ...args);
    }
  };

  // The queue name is the hash tag, so a queue and its moves share one Redis Cluster slot (the scripts use both).
  const queueKey = (queue: string) => `${prefix}queue:{${queue}}`;
  const queueKeys = (queue: string) => [queueKey(queue), `${queueKey(queue)}:moving`];

  // A script over several keys needs them in one slot on a Cluster; the store's callers do not hash-tag theirs.
  const multiKeyScripts = !(client instanceof Cluster);
  // SET with both NX and GET: Redis 7.0 and later; false once a server refused it.
  let setNxGet = true;

  const store: RedisStore = {
    client,
    prefix,
    async get(key) {
      const value = await run(`get '${key}'`, key, () => client.get(prefix + key));
      return value ?? undefined;
    },
    async set(key, value, writeOptions) {
      const ttl = ttlMilliseconds(writeOptions);
      await run(`set '${key}'`, key, () => (ttl === '' ? client.set(prefix + key, value) : client.set(prefix + key, value, 'PX', ttl)));
    },
    async increment(key, by = 1, writeOptions) {
      if (!Number.isSafeInteger(by)) throw new Error(`[callflow:redis] increment '${key}' by ${by}: the amount must be an integer`);
      // Like the memory store: no options keeps the key's TTL, options without ttlSeconds clear it.
      if (writeOptions === undefined) return run(`increment '${key}'`, key, () => client.incrby(prefix + key, by));
      const ttl = ttlMilliseconds(writeOptions);
      const result = await run(`increment '${key}'`, key, () =>
        evaluate(incrementScript, prefix + key, [by, ttl === '' ? 'persist' : ttl]),
      );
      return Number(result);
    },
    async compareAndSet(key, expected, value, writeOptions) {
      const ttl = ttlMilliseconds(writeOptions);
      const what = `compare-and-set '${key}'`;
      if (expected === undefined) {
        const reply = await run(what, key, () =>
          ttl === '' ? client.set(prefix + key, value, 'NX') : client.set(prefix + key, value, 'PX', ttl, 'NX'),
        );
        return reply === 'OK';
      }
      return (await run(what, key, () => evaluate(compareAndSetScript, prefix + key, [expected, value, ttl]))) === 1;
    },
    async delete(key) {
      await run(`delete '${key}'`, key, () => client.del(prefix + key));
    },
    async claim(request) {
      const read = request.read ?? [];
      const writes = request.alsoSet ?? [];
      const blocked = request.unlessPresent !== undefined;
      const replaces = request.replaces ?? [undefined];
      if (!blocked && !request.guard && writes.length === 0 && replaces.length === 1 && replaces[0] === undefined && setNxGet) {
        // The common claim (a delivery id, a jti): SET NX GET (Redis 7.0+) and the reads leave in one pipeline; no script
        // to run on the server (7.6 µs an EVALSHA against 1.4 for a SET, measured on redis-server 7.0).
        const key = prefix + request.key;
        const ttl = ttlMilliseconds(request);
        try {
          const [previous, ...values] = await run(`claim '${request.key}'`, request.key, () =>
            Promise.all([
              ttl === '' ? client.set(key, request.value, 'NX', 'GET') : client.set(key, request.value, 'PX', ttl, 'NX', 'GET'),
              ...read.map((readKey) => client.get(prefix + readKey)),
            ]),
          );
          return {
            claimed: previous === null,
            previous: previous ?? undefined,
            blocker: undefined,
            values: values.map((value) => value ?? undefined),
          };
        } catch (error) {
          // A server before 7.0 refuses NX with GET (a syntax error, nothing written): the script from now on.
          if (!(error instanceof Error && /syntax error/i.test(error.message))) throw error;
          setNxGet = false;
        }
      }
      const guard = request.guard;
      if (!multiKeyScripts && (blocked || read.length > 0 || writes.length > 0 || guard)) return claimStepByStep(store, request);
      const keys = [prefix + request.key];
      if (guard) keys.push(prefix + guard.key);
      if (blocked) keys.push(prefix + request.unlessPresent);
      const args: string[] = [
        request.value,
        ttlMilliseconds(request),
        blocked ? '1' : '0',
        String(writes.length),
        guard ? `v${guard.value}` : '',
        guard ? ttlMilliseconds(guard) : '',
      ];
      for (const write of writes) {
        keys.push(prefix + write.key);
        args.push(write.value, ttlMilliseconds(write));
      }
      for (const key of read) keys.push(prefix + key);
      for (const value of replaces) args.push(value === undefined ? 'a' : `v${value}`);
      const reply = (await run(`claim '${request.key}'`, request.key, () => evaluate(claimScript, keys, args))) as Array<
        number | string | null
      >;
      if (reply[0] === 3) return { claimed: false, previous: undefined, blocker: undefined, values: [], guarded: String(reply[1]) };
      if (reply[0] === 2) return { claimed: false, previous: undefined, blocker: String(reply[1]), values: [] };
      const result: StoreClaimResult = {
        claimed: reply[0] === 1,
        previous: (reply[1] as string | null) ?? undefined,
        blocker: undefined,
        values: [],
      };
      for (let index = 2; index < reply.length; index++) result.values.push((reply[index] as string | null) ?? undefined);
      return result;
    },
    async setMany(writes) {
      if (writes.length === 0) return;
      if (!multiKeyScripts && writes.length > 1) {
        for (const write of writes) await store.set(write.key, write.value, write);
        return;
      }
      const keys: string[] = [];
      const values: string[] = [];
      for (const write of writes) {
        keys.push(prefix + write.key);
        values.push(write.value, ttlMilliseconds(write));
      }
      await run(`set '${writes[0]!.key}' and ${writes.length - 1} more`, writes[0]!.key, () => evaluate(setManyScript, keys, values));
    },
    async queuePush(queue, member, pushOptions = {}) {
      const position = await run(`push onto queue '${queue}'`, queue, () =>
        evaluate(queuePushScript, queueKey(queue), [member, pushOptions.front ? 'front' : 'back', ttlMilliseconds(pushOptions)]),
      );
      return Number(position);
    },
    async queuePosition(queue, member) {
      const rank = await run(`position in queue '${queue}'`, queue, () => client.zrank(queueKey(queue), member));
      return rank === null ? undefined : rank + 1;
    },
    async queueShift(queue) {
      const popped = await run(`shift queue '${queue}'`, queue, () => client.zpopmin(queueKey(queue)));
      return popped[0];
    },
    async queueRemove(queue, member) {
      return (await run(`remove from queue '${queue}'`, queue, () => evaluate(queueRemoveScript, queueKeys(queue), [member]))) === 1;
    },
    async queueClaim(queue, leaseSeconds) {
      const leaseMs = Math.max(1, Math.ceil(leaseSeconds * 1000));
      const member = await run(`claim from queue '${queue}'`, queue, () => evaluate(queueClaimScript, queueKeys(queue), [leaseMs]));
      return typeof member === 'string' ? member : undefined;
    },
    async queueConfirm(queue, member) {
      await run(`confirm move from queue '${queue}'`, queue, () => evaluate(queueConfirmScript, queueKeys(queue), [member]));
    },
    async queueRelease(queue, member) {
      return Number(
        await run(`release move back to queue '${queue}'`, queue, () => evaluate(queueReleaseScript, queueKeys(queue), [member])),
      );
    },
    async queueMembers(queue) {
      return run(`list queue '${queue}'`, queue, () => client.zrange(queueKey(queue), '0', '-1'));
    },
    serverSettings,
    async close() {
      if (!ownsClient) return;
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
  return store;
}
