// CWE names, from the CWE list the CSAF validator checks names against (its
// test 6.1.11): one list for CSAF documents, CVE records and advisory pages, so
// that a name we write is the name a validator expects.
import { weaknesses } from '@secvisogram/csaf-validator-lib/cwe.js';

let names: Map<string, string> | undefined;

/** The name of a CWE id ("CWE-79"), or null when the list does not know it. */
export function cweName(id: string): string | null {
  names ??= new Map(weaknesses.map((w) => [w.id, w.name]));
  return names.get(id) ?? null;
}
