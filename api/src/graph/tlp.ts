import { parseTlp, TLP_NAMES, type TlpName } from '@psirt/schema';
import { builder } from '../builder.ts';

/**
 * The one TLP enum of the API, in TLP 2.0 names. `WHITE` (TLP 1.0) is still
 * taken on input and read as CLEAR (`tlpInput`); nothing stores or returns it.
 */
export const TlpEnum = builder.enumType('Tlp', {
  description: 'Traffic Light Protocol 2.0 label. WHITE (TLP 1.0) is accepted on input as CLEAR.',
  values: {
    ...Object.fromEntries(TLP_NAMES.map((name) => [name, { value: name }])),
    WHITE: { value: 'WHITE', deprecationReason: 'TLP 1.0: TLP 2.0 calls it CLEAR.' },
  } as Record<TlpName | 'WHITE', { value: TlpName | 'WHITE'; deprecationReason?: string }>,
});

/** A Tlp argument as stored: its TLP 2.0 name. */
export function tlpInput<T extends string | null | undefined>(value: T): TlpName | Exclude<T, string> {
  return (typeof value === 'string' ? (parseTlp(value) ?? value) : value) as TlpName | Exclude<T, string>;
}
