import { describe, expect, it } from 'vitest';
import { redisServerPlan } from './redis-server.js';

// `npm test` on a fresh machine: the test setup provides redis-server as .ci/run does when it can (root and
// apt-get), and otherwise fails naming the one command to run. It never skips the Redis tests.
describe('redis-server for the tests', () => {
  const fresh = { installed: false, root: false, aptGet: true, platform: 'linux' as const };

  it('uses an installed redis-server', () => {
    expect(redisServerPlan({ ...fresh, installed: true })).toEqual({ action: 'use' });
  });

  it('installs it as root on Debian/Ubuntu', () => {
    expect(redisServerPlan({ ...fresh, root: true })).toEqual({ action: 'install' });
  });

  it('fails naming the one command to run otherwise', () => {
    expect(redisServerPlan(fresh)).toEqual({
      action: 'fail',
      message:
        'redis-server is not installed, and the @callflow/redis tests run against a real Redis. Run: sudo .ci/install-redis-server (then npm test again).',
    });
    expect(redisServerPlan({ ...fresh, platform: 'darwin', aptGet: false })).toMatchObject({
      message: expect.stringContaining('Run: brew install redis (then npm test again)'),
    });
    expect(redisServerPlan({ ...fresh, root: true, aptGet: false })).toMatchObject({ action: 'fail' });
  });
});
