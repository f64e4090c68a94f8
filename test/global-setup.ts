import { provideRedisServer } from '../packages/redis/test/redis-server.js';

/**
 * Before any test file: installs redis-server when it is missing and this process may (root, apt-get), as .ci/run
 * does, so no test file's setup waits on apt. When it may not, each Redis test file fails naming the command to run.
 */
export default async function setup(): Promise<void> {
  await provideRedisServer().catch(() => undefined);
}
