// Checks a CSAF 2.0 document the way a CSAF full validator's first two levels
// do: the strict JSON schema (no unknown properties) and every mandatory test
// of section 6.1, with the BSI/secvisogram validator library.

import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js';
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js';
import validateStrict from '@secvisogram/csaf-validator-lib/validateStrict.js';

/** The failing tests with their errors; empty when the document is valid. */
export async function csafProblems(doc: unknown): Promise<string[]> {
  const result = await validateStrict([csaf_2_0_strict, ...Object.values(mandatory)], doc);
  return result.tests
    .filter((t) => !t.isValid)
    .map((t) => `${t.name}: ${t.errors.map((e) => `${e.instancePath} ${e.message ?? ''}`).join('; ')}`);
}
