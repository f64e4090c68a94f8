import type { Redis } from 'ioredis';

/** What a Redis server is configured to do with call state across a restart and under memory pressure. */
export interface RedisServerSettings {
  /** Where the settings came from: `CONFIG GET`, or `INFO` when CONFIG is disabled (as on most managed Redis), or nothing. */
  source: 'config' | 'info' | 'unknown';
  /** `appendonly`: true when every write goes to the append-only file; undefined when unknown. */
  appendOnly?: boolean;
  /** `save`: the RDB snapshot schedule ('' = no snapshots); undefined when unknown (INFO does not show it). */
  save?: string;
  /** `maxmemory-policy`, e.g. `noeviction` or `allkeys-lru`. */
  maxmemoryPolicy?: string;
  /** `maxmemory` in bytes (0 = no limit). */
  maxmemoryBytes?: number;
  /** One sentence per way this server can lose call state, each naming the setting to change; empty when none. */
  risks: string[];
}

const parseInfo = (text: string): Map<string, string> => {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const separator = line.indexOf(':');
    if (separator > 0 && !line.startsWith('#')) fields.set(line.slice(0, separator), line.slice(separator + 1).trim());
  }
  return fields;
};

const configValue = (reply: unknown, name: string): string | undefined => {
  if (!Array.isArray(reply)) return undefined;
  for (let index = 0; index + 1 < reply.length; index += 2)
    if (String(reply[index]).toLowerCase() === name) return String(reply[index + 1]);
  return undefined;
};

/** The risks for the settings read; exported for the tests and for a health check of your own. */
export function risksOf(settings: Omit<RedisServerSettings, 'risks'>): string[] {
  const risks: string[] = [];
  if (settings.source === 'unknown') {
    risks.push(
      "could not read the server's persistence settings (CONFIG GET and INFO both refused); make sure it runs with appendonly yes and maxmemory-policy noeviction, or a restart or eviction strands live calls",
    );
    return risks;
  }
  const via =
    settings.source === 'info'
      ? " (read from INFO: CONFIG is disabled on this server, as on most managed Redis; change it in the provider's console or parameter group)"
      : '';
  if (settings.appendOnly === false) {
    if (settings.save === '') {
      risks.push(
        `no persistence (appendonly no, save ''): a restart loses every queue, de-duplication record and call position; set appendonly yes${via}`,
      );
    } else if (settings.save === undefined) {
      risks.push(`appendonly is off: a restart loses what was written since the last RDB snapshot, if any; set appendonly yes${via}`);
    } else {
      risks.push(
        `appendonly is off (RDB snapshots only, save '${settings.save}'): a crash loses every write since the last snapshot; set appendonly yes${via}`,
      );
    }
  }
  const policy = settings.maxmemoryPolicy;
  if (policy !== undefined && policy !== 'noeviction') {
    const limit = settings.maxmemoryBytes === 0 ? ' (dormant while maxmemory is 0, active as soon as a limit is set)' : '';
    risks.push(
      `maxmemory-policy is ${policy}: under memory pressure Redis deletes queues and call records (every callflow key has a TTL, so volatile-* policies evict them too)${limit}; set maxmemory-policy noeviction${via}`,
    );
  }
  return risks;
}

/**
 * Reads `appendonly`, `save` and `maxmemory-policy` with CONFIG GET, or from INFO persistence and INFO memory when CONFIG is
 * disabled, and says how the server can lose call state.
 */
export async function readRedisServerSettings(client: Redis): Promise<RedisServerSettings> {
  try {
    const [appendOnly, save, policy, maxmemory] = await Promise.all(
      ['appendonly', 'save', 'maxmemory-policy', 'maxmemory'].map(async (name) =>
        configValue(await client.call('CONFIG', 'GET', name), name),
      ),
    );
    const settings = {
      source: 'config' as const,
      appendOnly: appendOnly === undefined ? undefined : appendOnly === 'yes',
      save,
      maxmemoryPolicy: policy,
      maxmemoryBytes: maxmemory === undefined ? undefined : Number(maxmemory),
    };
    return { ...settings, risks: risksOf(settings) };
  } catch {
    // CONFIG renamed away or refused by an ACL or a managed service: INFO shows the same facts, except the snapshot schedule.
  }
  try {
    const info = parseInfo(String(await client.call('INFO', 'persistence')) + '\n' + String(await client.call('INFO', 'memory')));
    const aof = info.get('aof_enabled');
    const maxmemory = info.get('maxmemory');
    const settings = {
      source: 'info' as const,
      appendOnly: aof === undefined ? undefined : aof === '1',
      maxmemoryPolicy: info.get('maxmemory_policy'),
      maxmemoryBytes: maxmemory === undefined ? undefined : Number(maxmemory),
    };
    return { ...settings, risks: risksOf(settings) };
  } catch {
    return { source: 'unknown', risks: risksOf({ source: 'unknown' }) };
  }
}
