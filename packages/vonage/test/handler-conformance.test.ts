import { describe, it } from 'vitest';
import { handlerConformanceCases } from '@callflow/testing';

describe('vonage handler conformance', async () => {
  for (const { name, run } of await handlerConformanceCases('vonage')) it(name, run);
});
