// The CSAF validator library, in a worker thread: loading it compiles its JSON
// schemas with ajv, seconds of CPU in one go, which would stall every request
// and socket of the process that asked. Plain JavaScript: a worker does not go
// through the TypeScript loader. Answers { id, problems } or { id, error }.
import { parentPort } from 'node:worker_threads';
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js';
import * as optional from '@secvisogram/csaf-validator-lib/optionalTests.js';
import { csaf_2_0_strict } from '@secvisogram/csaf-validator-lib/schemaTests.js';
import validate from '@secvisogram/csaf-validator-lib/validate.js';

// A CSAF full validator's first two levels: the strict schema and every mandatory test (§6.1).
const tests = [csaf_2_0_strict, ...Object.values(mandatory)];
// The third: the optional tests (§6.2), whose findings are warnings.
const optionalTests = Object.values(optional);

const describe = (t, list) => `${t.name}: ${list.map((e) => `${e.instancePath} ${e.message ?? ''}`.trim()).join('; ')}`;

parentPort?.on('message', async ({ id, doc, level }) => {
  try {
    if (level === 'optional') {
      const result = await validate(optionalTests, doc);
      const problems = result.tests.filter((t) => t.warnings?.length).map((t) => describe(t, t.warnings));
      parentPort?.postMessage({ id, problems });
      return;
    }
    const result = await validate(tests, doc);
    const problems = result.tests.filter((t) => !t.isValid).map((t) => describe(t, t.errors));
    parentPort?.postMessage({ id, problems });
  } catch (error) {
    parentPort?.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
