// The CSAF validator library is plain JavaScript without type declarations.
declare module '@secvisogram/csaf-validator-lib/cwe.js' {
  export const weaknesses: readonly { id: string; name: string }[];
}
