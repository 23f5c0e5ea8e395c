// The legal clocks of the Cyber Resilience Act, Art. 14 — Regulation (EU)
// 2024/2847, applicable to reporting since 11 September 2026 — as pure rules:
// what is due when, for a notification, from the facts of its case.
//
//  Actively exploited vulnerability (Art. 14(2)):
//    early warning      24 h after the manufacturer became aware
//    notification       72 h after it became aware
//    final report       14 days after a corrective or mitigating measure is available
//  Severe incident (Art. 14(4)):
//    early warning      24 h after it became aware
//    notification       72 h after it became aware
//    final report       one month after the incident notification was submitted
//  Either: intermediate reports when the CSIRT asks, by the date it sets.

export const CRA_KINDS = ['ACTIVELY_EXPLOITED_VULNERABILITY', 'SEVERE_INCIDENT'] as const;
export type CraKind = (typeof CRA_KINDS)[number];
export const CRA_STAGES = ['EARLY_WARNING', 'NOTIFICATION', 'INTERMEDIATE', 'FINAL_REPORT'] as const;
export type CraStage = (typeof CRA_STAGES)[number];

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The Article paragraph each stage answers. */
export const CRA_ARTICLE: Record<CraKind, Record<CraStage, string>> = {
  ACTIVELY_EXPLOITED_VULNERABILITY: {
    EARLY_WARNING: 'Art. 14(2)(a)',
    NOTIFICATION: 'Art. 14(2)(b)',
    INTERMEDIATE: 'Art. 14(2)(c), intermediate report',
    FINAL_REPORT: 'Art. 14(2)(c)',
  },
  SEVERE_INCIDENT: {
    EARLY_WARNING: 'Art. 14(4)(a)',
    NOTIFICATION: 'Art. 14(4)(b)',
    INTERMEDIATE: 'Art. 14(4)(c), intermediate report',
    FINAL_REPORT: 'Art. 14(4)(c)',
  },
};

export const CRA_STAGE_NAMES: Record<CraStage, string> = {
  EARLY_WARNING: 'early warning',
  NOTIFICATION: 'notification',
  INTERMEDIATE: 'intermediate report',
  FINAL_REPORT: 'final report',
};

export interface CraClockFacts {
  kind: CraKind;
  awareAt: Date;
  /**
   * The case's corrective or mitigating measures (its mitigations and fixes),
   * each with when it is or becomes available.
   */
  measures: readonly { label: string; availableAt: Date }[];
  /** What was submitted, per stage (ordinal: which intermediate report; 0 otherwise). */
  submissions: readonly { stage: CraStage; ordinal: number; submittedAt: Date }[];
  /** Intermediate reports the CSIRT asked for, each with the date it set. */
  intermediateRequests: readonly { ordinal: number; requestedAt: Date; dueAt: Date }[];
}

export interface StageClock {
  stage: CraStage;
  /** 0, or the intermediate report's number (1, 2…). */
  ordinal: number;
  /** When it is due; null while "not yet due". */
  dueAt: Date | null;
  /** Why it is not yet due (null when it is). */
  notYetDue: string | null;
  submittedAt: Date | null;
  /** Not submitted, and past its due time. */
  overdue: boolean;
  /** Submitted after its due time. */
  late: boolean;
}

/**
 * One calendar month later in UTC, the day clamped to the month's end (31
 * January → 28/29 February). Hand-written: five lines, and the whole rule.
 */
export function addMonthUtc(d: Date): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth() + 1;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  const out = new Date(d);
  out.setUTCDate(1);
  out.setUTCMonth(m);
  out.setUTCDate(Math.min(d.getUTCDate(), last));
  return out;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The stages of a notification with their clocks, in the order they fall due. */
export function craStages(f: CraClockFacts, now: Date): StageClock[] {
  const submitted = (stage: CraStage, ordinal = 0) =>
    f.submissions.find((s) => s.stage === stage && s.ordinal === ordinal)?.submittedAt ?? null;
  const clock = (stage: CraStage, ordinal: number, dueAt: Date | null, notYetDue: string | null): StageClock => {
    const at = submitted(stage, ordinal);
    return {
      stage,
      ordinal,
      dueAt,
      notYetDue: dueAt ? null : notYetDue,
      submittedAt: at,
      overdue: at === null && dueAt !== null && now.getTime() > dueAt.getTime(),
      late: at !== null && dueAt !== null && at.getTime() > dueAt.getTime(),
    };
  };
  const stages = [
    clock('EARLY_WARNING', 0, new Date(f.awareAt.getTime() + DAY), null),
    clock('NOTIFICATION', 0, new Date(f.awareAt.getTime() + 3 * DAY), null),
  ];
  for (const r of [...f.intermediateRequests].sort((a, b) => a.ordinal - b.ordinal)) {
    stages.push(clock('INTERMEDIATE', r.ordinal, r.dueAt, null));
  }
  stages.push(finalReport(f, now, clock));
  return stages;
}

function finalReport(
  f: CraClockFacts,
  now: Date,
  clock: (stage: CraStage, ordinal: number, dueAt: Date | null, notYetDue: string | null) => StageClock,
): StageClock {
  if (f.kind === 'SEVERE_INCIDENT') {
    const notified = f.submissions.find((s) => s.stage === 'NOTIFICATION')?.submittedAt ?? null;
    return notified
      ? clock('FINAL_REPORT', 0, addMonthUtc(notified), null)
      : clock(
          'FINAL_REPORT',
          0,
          null,
          'due one month after the incident notification is submitted; it has not been yet',
        );
  }
  const measures = [...f.measures].sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime());
  const first = measures[0];
  if (first && first.availableAt.getTime() <= now.getTime()) {
    return clock('FINAL_REPORT', 0, new Date(first.availableAt.getTime() + 14 * DAY), null);
  }
  if (first) {
    const would = new Date(first.availableAt.getTime() + 14 * DAY);
    return clock(
      'FINAL_REPORT',
      0,
      null,
      `no corrective or mitigating measure is available yet; the first planned (${first.label}, ${iso(first.availableAt)}) would make it due ${iso(would)}`,
    );
  }
  return clock(
    'FINAL_REPORT',
    0,
    null,
    'no corrective or mitigating measure is available yet: it falls due 14 days after the first one is (record it on the case as a mitigation or fix)',
  );
}

/** Open: some stage is not submitted, or the final report is still to come. */
export const isOpen = (stages: readonly StageClock[]) => stages.some((s) => s.submittedAt === null);

export const REMINDERS = [
  { threshold: 'H6', before: 6 * HOUR },
  { threshold: 'H1', before: HOUR },
  { threshold: 'OVERDUE', before: 0 },
] as const;
/** H6, H1, OVERDUE, then OVERDUE_1D, OVERDUE_2D… once a day while a stage stays overdue. */
export type ReminderThreshold = (typeof REMINDERS)[number]['threshold'] | `OVERDUE_${number}D`;

/** When a threshold falls, relative to the due time (ms; negative before it). */
export function reminderOffset(threshold: string): number {
  const fixed = REMINDERS.find((r) => r.threshold === threshold);
  if (fixed) return -fixed.before;
  const days = /^OVERDUE_(\d+)D$/.exec(threshold);
  return days ? Number(days[1]) * DAY : Number.NaN;
}

/**
 * The reminder a stage is owed now, given those already sent for its current
 * due time: the latest threshold passed (6 h before, 1 h before, overdue, then
 * each further day overdue), if neither it nor a later one was sent. A clock
 * started late skips the reminders it has missed rather than sending them all
 * at once.
 */
export function reminderDue(stage: StageClock, now: Date, sent: readonly string[]): ReminderThreshold | null {
  if (stage.submittedAt !== null || stage.dueAt === null) return null;
  const late = now.getTime() - stage.dueAt.getTime();
  let latest: ReminderThreshold | null = null;
  if (late >= DAY) latest = `OVERDUE_${Math.floor(late / DAY)}D`;
  else latest = [...REMINDERS].reverse().find((r) => late >= -r.before)?.threshold ?? null;
  if (!latest) return null;
  const at = reminderOffset(latest);
  return sent.some((x) => reminderOffset(x) >= at) ? null : latest;
}
