// The EU Member States and, for each, the CSIRT it designated as coordinator
// for coordinated vulnerability disclosure (NIS2, Directive (EU) 2022/2555,
// Art. 12(1)) — the CSIRT a manufacturer notifies under the Cyber Resilience
// Act, Art. 14(1) and (3), alongside ENISA, through the Single Reporting
// Platform, by the Member State of its main establishment (Art. 14(7)).
//
// This is data: keep it current by hand, and say when and from where.

/** Where the list below comes from, and how far to trust it. */
export const EU_CSIRTS_SOURCE = {
  compiled: '2026-12-05',
  from: [
    'CSIRTs Network members, https://csirtsnetwork.eu/ ("CSIRTs Network Members")',
    "Member States' NIS2 transpositions naming the CSIRT designated as coordinator (Art. 12(1))",
  ],
  caveat:
    'Compiled without network access from the sources above as last read; designations change. ENISA’s Single Reporting Platform routes a notification to the coordinator of the main establishment itself: confirm the name there, and set PSIRT_CRA_COORDINATOR to override it.',
} as const;

export interface MemberState {
  /** ISO 3166-1 alpha-2 (Greece is GR here, not the EU's EL). */
  code: string;
  name: string;
  /** IANA time zone of its capital: the coordinator's local time. */
  timeZone: string;
  /** The CSIRT designated as coordinator (its site where we are sure of it). */
  coordinator: { name: string; organisation: string; url: string | null };
}

export const MEMBER_STATES: readonly MemberState[] = [
  {
    code: 'AT',
    name: 'Austria',
    timeZone: 'Europe/Vienna',
    coordinator: { name: 'CERT.at', organisation: 'CERT.at (nic.at)', url: 'https://www.cert.at' },
  },
  {
    code: 'BE',
    name: 'Belgium',
    timeZone: 'Europe/Brussels',
    coordinator: { name: 'CERT.be', organisation: 'Centre for Cybersecurity Belgium', url: 'https://ccb.belgium.be' },
  },
  {
    code: 'BG',
    name: 'Bulgaria',
    timeZone: 'Europe/Sofia',
    coordinator: { name: 'CERT Bulgaria', organisation: 'National CSIRT of Bulgaria', url: 'https://govcert.bg' },
  },
  {
    code: 'HR',
    name: 'Croatia',
    timeZone: 'Europe/Zagreb',
    coordinator: { name: 'CERT.hr', organisation: 'National CERT (CARNET)', url: 'https://www.cert.hr' },
  },
  {
    code: 'CY',
    name: 'Cyprus',
    timeZone: 'Asia/Nicosia',
    coordinator: { name: 'CSIRT-CY', organisation: 'National CSIRT-CY', url: 'https://csirt.cy' },
  },
  {
    code: 'CZ',
    name: 'Czechia',
    timeZone: 'Europe/Prague',
    coordinator: {
      name: 'GovCERT.CZ',
      organisation: 'National Cyber and Information Security Agency (NÚKIB)',
      url: 'https://nukib.gov.cz',
    },
  },
  {
    code: 'DK',
    name: 'Denmark',
    timeZone: 'Europe/Copenhagen',
    coordinator: { name: 'CFCS', organisation: 'Centre for Cyber Security', url: 'https://www.cfcs.dk' },
  },
  {
    code: 'EE',
    name: 'Estonia',
    timeZone: 'Europe/Tallinn',
    coordinator: {
      name: 'CERT-EE',
      organisation: 'Estonian Information System Authority (RIA)',
      url: 'https://www.ria.ee',
    },
  },
  {
    code: 'FI',
    name: 'Finland',
    timeZone: 'Europe/Helsinki',
    coordinator: {
      name: 'NCSC-FI',
      organisation: 'National Cyber Security Centre Finland (Traficom)',
      url: 'https://www.kyberturvallisuuskeskus.fi',
    },
  },
  {
    code: 'FR',
    name: 'France',
    timeZone: 'Europe/Paris',
    coordinator: { name: 'CERT-FR', organisation: 'ANSSI', url: 'https://www.cert.ssi.gouv.fr' },
  },
  {
    code: 'DE',
    name: 'Germany',
    timeZone: 'Europe/Berlin',
    coordinator: {
      name: 'CERT-Bund',
      organisation: 'Federal Office for Information Security (BSI)',
      url: 'https://www.bsi.bund.de',
    },
  },
  {
    code: 'GR',
    name: 'Greece',
    timeZone: 'Europe/Athens',
    coordinator: { name: 'GR-CSIRT', organisation: 'National Cybersecurity Authority', url: 'https://cyber.gov.gr' },
  },
  {
    code: 'HU',
    name: 'Hungary',
    timeZone: 'Europe/Budapest',
    coordinator: { name: 'NKI', organisation: 'National Cyber Security Center (NBSZ NKI)', url: 'https://nki.gov.hu' },
  },
  {
    code: 'IE',
    name: 'Ireland',
    timeZone: 'Europe/Dublin',
    coordinator: { name: 'CSIRT-IE', organisation: 'National Cyber Security Centre', url: 'https://www.ncsc.gov.ie' },
  },
  {
    code: 'IT',
    name: 'Italy',
    timeZone: 'Europe/Rome',
    coordinator: {
      name: 'CSIRT Italia',
      organisation: 'Agenzia per la Cybersicurezza Nazionale (ACN)',
      url: 'https://www.csirt.gov.it',
    },
  },
  {
    code: 'LV',
    name: 'Latvia',
    timeZone: 'Europe/Riga',
    coordinator: { name: 'CERT.LV', organisation: 'CERT.LV', url: 'https://cert.lv' },
  },
  {
    code: 'LT',
    name: 'Lithuania',
    timeZone: 'Europe/Vilnius',
    coordinator: { name: 'NKSC', organisation: 'National Cyber Security Centre', url: 'https://www.nksc.lt' },
  },
  {
    code: 'LU',
    name: 'Luxembourg',
    timeZone: 'Europe/Luxembourg',
    coordinator: {
      name: 'CIRCL',
      organisation: 'Computer Incident Response Center Luxembourg',
      url: 'https://www.circl.lu',
    },
  },
  {
    code: 'MT',
    name: 'Malta',
    timeZone: 'Europe/Malta',
    coordinator: { name: 'CSIRTMalta', organisation: 'National CSIRT of Malta', url: null },
  },
  {
    code: 'NL',
    name: 'Netherlands',
    timeZone: 'Europe/Amsterdam',
    coordinator: { name: 'NCSC-NL', organisation: 'Nationaal Cyber Security Centrum', url: 'https://www.ncsc.nl' },
  },
  {
    code: 'PL',
    name: 'Poland',
    timeZone: 'Europe/Warsaw',
    coordinator: { name: 'CERT Polska', organisation: 'CSIRT NASK', url: 'https://cert.pl' },
  },
  {
    code: 'PT',
    name: 'Portugal',
    timeZone: 'Europe/Lisbon',
    coordinator: { name: 'CERT.PT', organisation: 'Centro Nacional de Cibersegurança', url: 'https://www.cncs.gov.pt' },
  },
  {
    code: 'RO',
    name: 'Romania',
    timeZone: 'Europe/Bucharest',
    coordinator: {
      name: 'DNSC',
      organisation: 'Directoratul Național de Securitate Cibernetică',
      url: 'https://dnsc.ro',
    },
  },
  {
    code: 'SK',
    name: 'Slovakia',
    timeZone: 'Europe/Bratislava',
    coordinator: { name: 'SK-CERT', organisation: 'National Security Authority (NBÚ)', url: 'https://www.sk-cert.sk' },
  },
  {
    code: 'SI',
    name: 'Slovenia',
    timeZone: 'Europe/Ljubljana',
    coordinator: {
      name: 'SI-CERT',
      organisation: 'Slovenian Computer Emergency Response Team',
      url: 'https://www.cert.si',
    },
  },
  {
    code: 'ES',
    name: 'Spain',
    timeZone: 'Europe/Madrid',
    coordinator: {
      name: 'INCIBE-CERT',
      organisation: 'Instituto Nacional de Ciberseguridad',
      url: 'https://www.incibe.es',
    },
  },
  {
    code: 'SE',
    name: 'Sweden',
    timeZone: 'Europe/Stockholm',
    coordinator: { name: 'CERT-SE', organisation: 'Swedish national CSIRT', url: 'https://www.cert.se' },
  },
];

const BY_CODE = new Map(MEMBER_STATES.map((m) => [m.code, m]));

/** A Member State by its code (any case; EL is read as GR), or null. */
export function memberState(code: string): MemberState | null {
  const c = code.trim().toUpperCase();
  return BY_CODE.get(c === 'EL' ? 'GR' : c) ?? null;
}

/**
 * A market list as typed ("DE, FR", "EU" for all 27), to sorted unique
 * Member State codes; throws a message naming the first code it cannot read.
 */
export function parseMarkets(input: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of input.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)) {
    if (raw.toUpperCase() === 'EU') {
      for (const m of MEMBER_STATES) out.add(m.code);
      continue;
    }
    const m = memberState(raw);
    if (!m) throw new RangeError(`"${raw}" is not an EU Member State code (ISO 3166-1, e.g. DE, FR; or EU for all)`);
    out.add(m.code);
  }
  return [...out].sort();
}

/** "2026-12-06 15:00 CET": an instant in a time zone, to the minute, with its abbreviation. */
export function localTime(at: Date, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(at);
  const p = (type: string) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')} ${p('timeZoneName')}`;
}

// One formatter per time zone: making one costs far more than formatting with it.
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}
