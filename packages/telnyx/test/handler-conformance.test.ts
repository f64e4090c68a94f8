import { describe, it } from 'vitest';
import { handlerConformanceCases } from '@callflow/testing';

describe('telnyx handler conformance', async () => {
  for (const { name, run } of await handlerConformanceCases('telnyx')) it(name, run);
});
