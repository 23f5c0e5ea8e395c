// CPE 2.3 formatted strings (NISTIR 7695 §6.2): cpe:2.3:part:vendor:product:
// version:update:edition:language:sw_edition:target_sw:target_hw:other, where
// "\:" is a colon inside a value, "*" is ANY and "-" is NA. Small enough, and
// no maintained JavaScript parser exists, so it is written here.

export const CPE_ATTRIBUTES = [
  'part',
  'vendor',
  'product',
  'version',
  'update',
  'edition',
  'language',
  'swEdition',
  'targetSw',
  'targetHw',
  'other',
] as const;

export type Cpe = Record<(typeof CPE_ATTRIBUTES)[number], string>;

/** Parses a CPE 2.3 formatted string; null when it is not one. */
export function parseCpe(text: string): Cpe | null {
  if (!text.startsWith('cpe:2.3:')) return null;
  const values: string[] = [];
  let current = '';
  const rest = text.slice('cpe:2.3:'.length);
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i] as string;
    if (c === '\\' && i + 1 < rest.length) {
      current += rest.slice(i, i + 2);
      i += 1;
    } else if (c === ':') {
      values.push(current);
      current = '';
    } else current += c;
  }
  values.push(current);
  if (values.length !== CPE_ATTRIBUTES.length || !/^[aoh*]$/.test(values[0] as string)) return null;
  if (!values[1] || !values[2]) return null;
  return Object.fromEntries(CPE_ATTRIBUTES.map((k, i) => [k, (values[i] as string).toLowerCase()])) as Cpe;
}

/** What a CPE names, whatever the version: the key inventories and criteria are joined on. */
export const cpeKey = (cpe: Pick<Cpe, 'vendor' | 'product'>) => `cpe:${cpe.vendor}:${cpe.product}`;

/** A concrete version in a CPE (not ANY or NA). */
export const cpeVersion = (cpe: Cpe) =>
  cpe.version === '*' || cpe.version === '-' ? null : unescapeValue(cpe.version);

const unescapeValue = (v: string) => v.replace(/\\(.)/g, '$1');

/**
 * Whether a criterion's attributes other than vendor, product and version
 * accept a component's: ANY on either side accepts, otherwise they must agree.
 */
export function cpeAttributesAgree(criterion: Cpe, component: Cpe): boolean {
  for (const k of ['part', 'update', 'edition', 'language', 'swEdition', 'targetSw', 'targetHw', 'other'] as const) {
    const want = criterion[k];
    const have = component[k];
    if (want === '*' || have === '*' || want === have) continue;
    return false;
  }
  return true;
}

/**
 * A catalogue CPE as CVE 5 and CSAF take it: a CPE 2.3 name with all 13 components
 * (the catalogue may hold one cut after the product, "cpe:2.3:h:example:rtu_500",
 * whose missing components are ANY), or a CPE 2.2 URI as is; null otherwise.
 */
export function fullCpe(cpe: string): string | null {
  if (/^cpe:\/[aho]?(:[A-Za-z0-9._\-~%]*){0,6}$/.test(cpe)) return cpe;
  if (!cpe.startsWith('cpe:2.3:')) return null;
  const parts = cpe.split(/(?<!\\):/);
  if (parts.length < 5 || parts.length > 13 || parts.slice(2).some((p) => p === '')) return null;
  return [...parts, ...Array(13 - parts.length).fill('*')].join(':');
}
