// Checks a CSAF 2.0 document the way a CSAF full validator's first two levels
// do: the strict JSON schema (no unknown properties) and every mandatory test
// of section 6.1, with the BSI/secvisogram validator library — the same check
// the API applies to the suppliers' advisories it imports.
export { csafProblems } from '@psirt/api';
