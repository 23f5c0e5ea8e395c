import { describe, expect, it } from 'vitest';
import { addMonthUtc, type CraClockFacts, craStages, reminderDue } from './clock.ts';
import { type CraDraftFacts, craDraft } from './draft.ts';
import { localTime, memberState, parseMarkets } from './member-states.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const aware = new Date('2026-12-01T09:30:00Z');
const at = (ms: number) => new Date(aware.getTime() + ms);

const vuln = (over: Partial<CraClockFacts> = {}): CraClockFacts => ({
  kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
  awareAt: aware,
  measures: [],
  submissions: [],
  intermediateRequests: [],
  ...over,
});
const stage = (f: CraClockFacts, now: Date, s: string) => craStages(f, now).find((x) => x.stage === s);

describe('CRA Art. 14 clocks', () => {
  it('an exploited vulnerability: 24 h, 72 h, and the final report 14 days after the first measure is available', () => {
    const now = at(HOUR);
    expect(stage(vuln(), now, 'EARLY_WARNING')?.dueAt).toEqual(at(DAY));
    expect(stage(vuln(), now, 'NOTIFICATION')?.dueAt).toEqual(at(3 * DAY));
    const none = stage(vuln(), now, 'FINAL_REPORT');
    expect(none?.dueAt).toBeNull();
    expect(none?.notYetDue).toMatch(/no corrective or mitigating measure is available yet/);

    const planned = vuln({ measures: [{ label: 'fix 4.2.1', availableAt: at(10 * DAY) }] });
    expect(stage(planned, now, 'FINAL_REPORT')?.dueAt).toBeNull();
    expect(stage(planned, now, 'FINAL_REPORT')?.notYetDue).toMatch(
      /fix 4\.2\.1.*would make it due 2026-12-25T09:30:00Z/,
    );
    // Once the planned fix ships, the clock runs from it; an earlier workaround wins.
    expect(stage(planned, at(11 * DAY), 'FINAL_REPORT')?.dueAt).toEqual(at(24 * DAY));
    const both = vuln({
      measures: [
        { label: 'fix 4.2.1', availableAt: at(10 * DAY) },
        { label: 'workaround', availableAt: at(2 * DAY) },
      ],
    });
    expect(stage(both, at(3 * DAY), 'FINAL_REPORT')?.dueAt).toEqual(at(16 * DAY));
  });

  it('a severe incident: the final report one calendar month after the notification was submitted', () => {
    const f: CraClockFacts = { ...vuln(), kind: 'SEVERE_INCIDENT' };
    expect(stage(f, at(HOUR), 'FINAL_REPORT')?.notYetDue).toMatch(/one month after the incident notification/);
    const sent = { ...f, submissions: [{ stage: 'NOTIFICATION' as const, ordinal: 0, submittedAt: at(2 * DAY) }] };
    expect(stage(sent, at(3 * DAY), 'FINAL_REPORT')?.dueAt).toEqual(new Date('2027-01-03T09:30:00Z'));
    expect(addMonthUtc(new Date('2027-01-31T12:00:00Z'))).toEqual(new Date('2027-02-28T12:00:00Z'));
    expect(addMonthUtc(new Date('2028-01-31T12:00:00Z'))).toEqual(new Date('2028-02-29T12:00:00Z'));
  });

  it('overdue until submitted; a late submission says so', () => {
    expect(stage(vuln(), at(DAY - 1), 'EARLY_WARNING')?.overdue).toBe(false);
    expect(stage(vuln(), at(DAY + 1), 'EARLY_WARNING')?.overdue).toBe(true);
    const late = vuln({ submissions: [{ stage: 'EARLY_WARNING', ordinal: 0, submittedAt: at(DAY + HOUR) }] });
    const s = stage(late, at(2 * DAY), 'EARLY_WARNING');
    expect(s).toMatchObject({ overdue: false, late: true, submittedAt: at(DAY + HOUR) });
  });

  it('intermediate reports fall due when the CSIRT said', () => {
    const f = vuln({ intermediateRequests: [{ ordinal: 1, requestedAt: at(DAY), dueAt: at(5 * DAY) }] });
    expect(craStages(f, at(DAY)).map((s) => `${s.stage}${s.ordinal || ''}`)).toEqual([
      'EARLY_WARNING',
      'NOTIFICATION',
      'INTERMEDIATE1',
      'FINAL_REPORT',
    ]);
    expect(stage(f, at(6 * DAY), 'INTERMEDIATE')?.overdue).toBe(true);
  });

  it('reminds 6 h and 1 h before and when overdue, each once, skipping the ones a late start missed', () => {
    const s = (now: Date) => stage(vuln(), now, 'EARLY_WARNING') ?? expect.fail();
    expect(reminderDue(s(at(17 * HOUR)), at(17 * HOUR), [])).toBeNull();
    expect(reminderDue(s(at(18 * HOUR)), at(18 * HOUR), [])).toBe('H6');
    expect(reminderDue(s(at(20 * HOUR)), at(20 * HOUR), ['H6'])).toBeNull();
    expect(reminderDue(s(at(23 * HOUR)), at(23 * HOUR), ['H6'])).toBe('H1');
    expect(reminderDue(s(at(DAY + 1)), at(DAY + 1), ['H6', 'H1'])).toBe('OVERDUE');
    expect(reminderDue(s(at(DAY + HOUR)), at(DAY + HOUR), ['H6', 'H1', 'OVERDUE'])).toBeNull();
    // Still overdue: once more each day.
    expect(reminderDue(s(at(2 * DAY + 1)), at(2 * DAY + 1), ['OVERDUE'])).toBe('OVERDUE_1D');
    expect(reminderDue(s(at(2 * DAY + HOUR)), at(2 * DAY + HOUR), ['OVERDUE', 'OVERDUE_1D'])).toBeNull();
    expect(reminderDue(s(at(4 * DAY)), at(4 * DAY), ['OVERDUE_1D'])).toBe('OVERDUE_3D');
    // Started 23.5 h after awareness: only the 1 h reminder, not the 6 h one too.
    expect(reminderDue(s(at(23.5 * HOUR)), at(23.5 * HOUR), [])).toBe('H1');
  });
});

describe('Member States', () => {
  it('reads markets and names coordinators', () => {
    expect(parseMarkets(['de, FR', 'EL'])).toEqual(['DE', 'FR', 'GR']);
    expect(parseMarkets(['EU'])).toHaveLength(27);
    expect(() => parseMarkets(['DE', 'UK'])).toThrow(/"UK" is not an EU Member State code/);
    expect(memberState('de')?.coordinator.name).toBe('CERT-Bund');
    expect(localTime(new Date('2026-12-06T14:00:00Z'), 'Europe/Berlin')).toBe('2026-12-06 15:00 CET');
    expect(localTime(new Date('2026-07-06T14:00:00Z'), 'Europe/Lisbon')).toBe('2026-07-06 15:00 WEST');
  });
});

const facts = (over: Partial<CraDraftFacts> = {}): CraDraftFacts => ({
  kind: 'ACTIVELY_EXPLOITED_VULNERABILITY',
  stage: 'NOTIFICATION',
  ordinal: 0,
  awareAt: aware,
  basis: 'CVE-2026-0042 added to CISA KEV; confirmed on a customer site',
  dueAt: at(3 * DAY),
  manufacturer: { name: 'Example Vendor', contact: 'psirt@example.com', memberState: { code: 'DE', name: 'Germany' } },
  coordinator: { name: 'CERT-Bund', memberState: 'DE' },
  case: {
    publicId: 'VAR-2026-0042',
    title: 'Authentication bypass in the web UI',
    summary: 'A crafted session cookie gives administrative access.',
    cweIds: ['CWE-287'],
    cveIds: ['CVE-2026-0042'],
    exploitationObservedAt: aware,
    exploitationSource: 'CISA KEV',
  },
  products: [
    {
      name: 'GridLink Gateway',
      status: 'AFFECTED',
      affectedVersions: '>=4.0 <4.2.1',
      fixedVersion: '4.2.1',
      avss: {
        version: 'V3_1',
        vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
        score: 9.8,
        severity: 'CRITICAL',
      },
    },
  ],
  severity: { rating: 'CRITICAL', score: 9.8 },
  measures: [
    {
      kind: 'WORKAROUND',
      product: 'GridLink Gateway',
      description: 'Block port 443 from untrusted networks.',
      fixVersion: null,
      availableAt: null,
    },
    {
      kind: 'FIX',
      product: 'GridLink Gateway',
      description: 'Firmware update.',
      fixVersion: '4.2.1',
      availableAt: at(-DAY),
    },
  ],
  memberStates: [
    { code: 'DE', name: 'Germany' },
    { code: 'FR', name: 'France' },
  ],
  sensitivity: { tlp: 'AMBER', source: 'set on the notification' },
  details: {
    exploitNature: null,
    maliciousActor: null,
    suspectedMalicious: null,
    incidentNature: null,
    initialAssessment: null,
    rootCause: null,
    statusUpdate: null,
  },
  now: at(HOUR),
  ...over,
});

describe('CRA drafts', () => {
  it('fill every field the notification stage asks for from a realistic case', () => {
    const d = craDraft(facts());
    expect(d.missing).toEqual([]);
    expect(d.json).toMatchObject({
      format: 'psirt-cra-art14/1',
      article: 'Art. 14(2)(b)',
      stage: 'notification',
      fields: {
        mainEstablishment: 'DE',
        coordinatorCsirt: 'CERT-Bund',
        exploitNature: 'Exploitation observed since 2026-12-01 (source: CISA KEV).',
        vulnerabilityNature: 'A crafted session cookie gives administrative access. (CWE-287)',
        sensitivity: 'TLP:AMBER',
        userMeasures: [
          'GridLink Gateway: workaround — Block port 443 from untrusted networks.',
          'GridLink Gateway: update to 4.2.1',
        ],
      },
    });
    expect(d.text).toContain('General nature of the exploit:\n  Exploitation observed since 2026-12-01');
    expect(d.text).toContain('Every required field is filled.');
  });

  it('say which fields are missing, and what would fill them', () => {
    const d = craDraft(
      facts({
        stage: 'EARLY_WARNING',
        memberStates: [],
        manufacturer: { name: 'Example Vendor', contact: 'psirt@example.com', memberState: null },
        coordinator: null,
      }),
    );
    expect(d.missing).toEqual(['mainEstablishment', 'coordinatorCsirt', 'memberStatesMadeAvailable']);
    expect(d.text).toContain('[MISSING: set the products’ markets (setProductMarkets) or PSIRT_CRA_DEFAULT_MARKETS]');
    const final = craDraft(facts({ stage: 'FINAL_REPORT' }));
    // "where available": a malicious actor nobody knows does not hold the report back.
    expect(final.missing).toEqual([]);
    expect(final.fields.find((x) => x.name === 'maliciousActor')).toMatchObject({ filled: false, optional: true });
    expect(final.text).toContain('[not available: where available: the notification]');
    const incident = craDraft(facts({ kind: 'SEVERE_INCIDENT', stage: 'EARLY_WARNING' }));
    expect(incident.missing).toEqual(['suspectedUnlawfulOrMalicious']);
    expect(incident.json.article).toBe('Art. 14(4)(a)');
  });
});
