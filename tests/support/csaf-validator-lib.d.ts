// The validator library ships JavaScript with JSDoc only; these are the parts the tests use.
declare module '@secvisogram/csaf-validator-lib/validateStrict.js' {
  interface TestResult {
    name: string;
    isValid: boolean;
    errors: { instancePath: string; message?: string }[];
    warnings: { instancePath: string; message?: string }[];
    infos: { instancePath: string; message?: string }[];
  }
  export default function validateStrict(
    tests: readonly unknown[],
    doc: unknown,
  ): Promise<{ isValid: boolean; tests: TestResult[] }>;
}
declare module '@secvisogram/csaf-validator-lib/mandatoryTests.js';
declare module '@secvisogram/csaf-validator-lib/schemaTests.js';
