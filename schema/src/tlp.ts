// The Traffic Light Protocol, in its 2.0 names everywhere psirt takes or shows
// one (GraphQL, the CLI). TLP 1.0's names are still understood on input.

export const TLP_NAMES = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
export type TlpName = (typeof TLP_NAMES)[number];

/** TLP 1.0 and written forms people use, to their TLP 2.0 name. */
export const TLP_ALIASES: Readonly<Record<string, TlpName>> = { WHITE: 'CLEAR', 'AMBER+STRICT': 'AMBER_STRICT' };

/** A TLP label as typed (any case, "TLP:" prefix, a 1.0 name), or null when it is none. */
export function parseTlp(input: string): TlpName | null {
  const name = input
    .trim()
    .toUpperCase()
    .replace(/^TLP:/, '')
    .replace(/[\s-]+/g, '_');
  if ((TLP_NAMES as readonly string[]).includes(name)) return name as TlpName;
  return TLP_ALIASES[name] ?? null;
}

/** CSAF 2.0 still speaks TLP 1.0: CLEAR is WHITE, and AMBER+STRICT's nearest is AMBER. */
export const CSAF_TLP_LABEL = {
  CLEAR: 'WHITE',
  GREEN: 'GREEN',
  AMBER: 'AMBER',
  AMBER_STRICT: 'AMBER',
  RED: 'RED',
} as const satisfies Record<TlpName, string>;
