import { TLP_NAMES } from '@psirt/schema';
import { builder } from '../builder.ts';

/**
 * The one TLP enum of the API, in TLP 2.0 names. `WHITE` (TLP 1.0) is still
 * taken on input, as CLEAR. It is listed first on purpose: graphql-js
 * serialises a value by the last enum value that holds it, so output always
 * says CLEAR.
 */
export const TlpEnum = builder.enumType('Tlp', {
  description: 'Traffic Light Protocol 2.0 label. WHITE (TLP 1.0) is accepted on input as CLEAR.',
  values: {
    WHITE: { value: 'CLEAR', deprecationReason: 'TLP 1.0: TLP 2.0 calls it CLEAR.' },
    ...Object.fromEntries(TLP_NAMES.map((name) => [name, { value: name }])),
  } as Record<string, { value: (typeof TLP_NAMES)[number]; deprecationReason?: string }>,
});
