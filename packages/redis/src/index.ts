export { createRedisStore, recommendedRedisOptions } from './redis-store.js';
export type { RedisStore, RedisStoreOptions } from './redis-store.js';
export { compareAndSetScript, incrementScript, queuePushScript } from './redis-scripts.js';
export type { RedisScript } from './redis-scripts.js';
