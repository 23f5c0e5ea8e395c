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

/**
 * Parses a CPE name — a CPE 2.3 formatted string, or a CPE 2.2 URI
 * ("cpe:/a:vendor:product:version", as CycloneDX allows and Red Hat, SUSE and
 * BSI write in CSAF) — into one form, so both compare as one; null when it is
 * neither.
 */
export function parseCpe(text: string): Cpe | null {
  if (text.startsWith('cpe:/')) return parseCpeUri(text);
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

/**
 * A CPE 2.2 URI unbound as NISTIR 7695 §6.1.3 says: up to seven components
 * (part, vendor, product, version, update, edition, language), a missing or
 * empty one ANY, "-" NA; percent-encoded characters decoded (%01 and %02 are
 * the wildcards ? and *); an edition of the form ~ed~sw_ed~target_sw~target_hw~other
 * unpacked into the 2.3 attributes; each value then quoted as a 2.3
 * formatted string quotes it.
 */
function parseCpeUri(text: string): Cpe | null {
  const parts = text.slice('cpe:/'.length).split(':');
  if (parts.length > 7 || !/^[aoh]?$/.test(parts[0] ?? '')) return null;
  const value = (raw: string | undefined): string | null => {
    if (raw === undefined || raw === '') return '*';
    if (raw === '-') return '-';
    let out = '';
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i] as string;
      if (c === '%') {
        const hex = raw.slice(i + 1, i + 3);
        if (!/^[0-9a-f]{2}$/i.test(hex)) return null;
        i += 2;
        if (hex === '01') out += '?';
        else if (hex === '02') out += '*';
        else out += quote(String.fromCharCode(Number.parseInt(hex, 16)));
      } else if (/[A-Za-z0-9._-]/.test(c)) out += c;
      else if (c === '~') out += '\\~';
      else return null;
    }
    return out.toLowerCase();
  };
  const quote = (c: string) => (/[A-Za-z0-9._-]/.test(c) ? c : `\\${c}`);
  const edition = parts[5] ?? '';
  const packed = edition.startsWith('~') && edition.split('~').length === 6 ? edition.split('~').slice(1) : null;
  const raw = {
    part: parts[0] || '*',
    vendor: parts[1],
    product: parts[2],
    version: parts[3],
    update: parts[4],
    edition: packed ? packed[0] : edition,
    language: parts[6],
    swEdition: packed?.[1],
    targetSw: packed?.[2],
    targetHw: packed?.[3],
    other: packed?.[4],
  };
  const cpe: Record<string, string> = {};
  for (const k of CPE_ATTRIBUTES) {
    const v = k === 'part' ? raw.part : value(raw[k]);
    if (v === null) return null;
    cpe[k] = v;
  }
  if (cpe.vendor === '*' || cpe.product === '*' || !cpe.vendor || !cpe.product) return null;
  return cpe as Cpe;
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
