// The official CVE JSON 5.0 schemas (CVEProject/cve-schema v5.0.0), as Debian's
// python3-cvelib ships them (.ci/run installs it): the whole record, and the
// published and rejected CNA containers that CVE Services accepts. Tests check
// every record the platform produces against them with ajv (draft-07).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const DIRS = [process.env.PSIRT_CVE_SCHEMA_DIR, '/usr/lib/python3/dist-packages/cvelib/schemas'].filter(
  (d): d is string => Boolean(d),
);

export const CVE_SCHEMA_DIR = DIRS.find((d) => existsSync(join(d, 'CVE_JSON_5.0_bundled_5.0.0.json'))) ?? null;

/** Why the schema checks cannot run here (for `it.skipIf`), or null. */
export const cveSchemasMissing = CVE_SCHEMA_DIR
  ? null
  : "the CVE JSON 5 schemas are not installed (Debian's python3-cvelib; .ci/run installs it)";

const FILES = {
  record: 'CVE_JSON_5.0_bundled_5.0.0.json',
  published: 'published_cna_container_5.0.0.json',
  rejected: 'rejected_cna_container_5.0.0.json',
} as const;

const compiled = new Map<keyof typeof FILES, ValidateFunction>();

function validator(kind: keyof typeof FILES): ValidateFunction {
  let v = compiled.get(kind);
  if (!v) {
    if (!CVE_SCHEMA_DIR) throw new Error(cveSchemasMissing ?? 'no schemas');
    const schema = JSON.parse(readFileSync(join(CVE_SCHEMA_DIR, FILES[kind]), 'utf8'));
    delete schema.$id; // each file compiles on its own Ajv: no clash between their ids
    // strict: false — the official schemas use keywords ajv's strict mode rejects (e.g. "examples" beside $ref).
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    v = ajv.compile(schema);
    compiled.set(kind, v);
  }
  return v;
}

/** What the official schema finds wrong with a document (empty when valid). */
export function cveProblems(kind: keyof typeof FILES, doc: unknown): string[] {
  const v = validator(kind);
  if (v(doc)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}
