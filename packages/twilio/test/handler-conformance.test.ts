import { describe, it } from 'vitest';
import { handlerConformanceCases } from '@callflow/testing';

describe('twilio handler conformance', async () => {
  for (const { name, run } of await handlerConformanceCases('twilio')) it(name, run);
});
