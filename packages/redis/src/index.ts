export { createRedisStore, recommendedRedisOptions } from './redis-store.js';
export type { RedisSentinelOptions, RedisStore, RedisStoreOptions } from './redis-store.js';
export {
  compareAndSetScript,
  incrementScript,
  queueClaimScript,
  queueConfirmScript,
  queuePushScript,
  queueReleaseScript,
  queueRemoveScript,
} from './redis-scripts.js';
export type { RedisScript } from './redis-scripts.js';
export { readRedisServerSettings, risksOf } from './redis-server-settings.js';
export type { RedisServerSettings } from './redis-server-settings.js';
