// The PSIRT key policy the tests generate their key under.
import type { KeyPolicy } from '@psirt/api';

export const TEST_KEY_POLICY: KeyPolicy = {
  passphrase: 'test passphrase for the stored keys',
  name: 'Example PSIRT',
  email: 'psirt@example.com',
  overlapDays: 30,
};
