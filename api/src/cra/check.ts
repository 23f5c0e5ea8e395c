// The scheduled CRA check, on every API instance: evidence that a case may be
// actively exploited becomes a prompt (never a started notification), and each
// open stage gets its reminders 6 h and 1 h before its due time and when it is
// overdue. Both are rows with a unique key, so of several instances (or a
// restart) exactly one records each; the timeline event that goes with it is
// what the bot posts to Slack.
import type { Db } from '@psirt/db';
import { reminderDue } from '@psirt/schema';
import type { LiveBus } from '../live/bus.ts';
import type { Logger } from '../logger.ts';
import { systemUnitOfWork } from '../services/unit.ts';
import { NOTIFICATION_WITH, viewNotifications } from './facts.ts';
import { notificationHandle } from './service.ts';
import type { CraSettings } from './settings.ts';

export interface CraCheckDeps {
  db: Db;
  now: () => Date;
  live?: LiveBus;
  log: Logger;
  settings: CraSettings;
  manufacturer: { name: string; contact: string };
}

interface Evidence {
  caseId: string;
  evidence: 'KNOWN_EXPLOITED' | 'CASE_EXPLOITATION' | 'REPORTER';
  detail: string;
}

/** Evidence on open cases without an exploited-vulnerability notification, not put to the PSIRT yet. */
async function newEvidence(db: Db): Promise<Evidence[]> {
  return db.$queryRaw<Evidence[]>`
    WITH candidate AS (
      SELECT a.case_id, 'KNOWN_EXPLOITED' AS evidence,
             string_agg(DISTINCT a.cve_id, ', ') || ' is in a known-exploited vulnerabilities catalogue (CISA KEV)' AS detail
      FROM cve_assignment a
      WHERE a.cve_id IS NOT NULL AND a.state <> 'REJECTED'
        AND (EXISTS (SELECT 1 FROM exploit_signal s WHERE s.cve_id = a.cve_id AND s.kev IS NOT NULL)
          OR EXISTS (SELECT 1 FROM third_party_vulnerability t WHERE t.cve_id = a.cve_id AND t.known_exploited))
      GROUP BY a.case_id
      UNION ALL
      SELECT c.id, 'CASE_EXPLOITATION',
             'exploitation is recorded on the case' || COALESCE(' (source: ' || c.exploitation_source || ')', '')
      FROM analysis_case c WHERE c.exploitation_observed
      UNION ALL
      SELECT r.case_id, 'REPORTER', string_agg(r.public_id, ', ' ORDER BY r.public_id) || ': the reporter says it is exploited'
      FROM vulnerability_report r WHERE r.reported_exploited AND r.case_id IS NOT NULL
      GROUP BY r.case_id
    )
    SELECT k.case_id AS "caseId", k.evidence, k.detail
    FROM candidate k JOIN analysis_case c ON c.id = k.case_id
    WHERE c.state <> 'CLOSED'
      AND NOT EXISTS (SELECT 1 FROM cra_prompt p WHERE p.case_id = k.case_id AND p.evidence::text = k.evidence)
      AND NOT EXISTS (SELECT 1 FROM cra_notification n WHERE n.case_id = k.case_id AND n.kind = 'ACTIVELY_EXPLOITED_VULNERABILITY')
    ORDER BY k.case_id, k.evidence`;
}

export async function checkCraClocks(d: CraCheckDeps): Promise<{ prompts: number; reminders: number }> {
  const ctx = { db: d.db, now: d.now, requestId: 'cra-check', live: d.live };
  let prompts = 0;
  for (const e of await newEvidence(d.db)) {
    await systemUnitOfWork(ctx, async (u) => {
      const rows = await u.tx.craPrompt.createManyAndReturn({
        data: [{ caseId: e.caseId, evidence: e.evidence, detail: e.detail, seenAt: u.now }],
        skipDuplicates: true,
        select: { id: true },
      });
      if (!rows.length) return; // another instance was first
      prompts++;
      u.event('cra.prompted', { caseId: e.caseId }, { evidence: e.evidence, detail: e.detail });
      u.audit('cra.prompted', { type: 'AnalysisCase', id: e.caseId }, { evidence: e.evidence, detail: e.detail });
    });
  }

  let reminders = 0;
  const open = await d.db.craNotification.findMany({
    where: { closedAt: null },
    include: { ...NOTIFICATION_WITH, reminders: true },
  });
  const now = d.now();
  const views = await viewNotifications(d.db, open, { ...d.settings, manufacturer: d.manufacturer }, now);
  // In the order given: each view is its notification's.
  for (const [i, n] of open.entries()) {
    for (const s of views[i]?.stages ?? []) {
      if (!s.dueAt) continue;
      const dueAt = s.dueAt;
      const sent = n.reminders
        .filter((r) => r.stage === s.stage && r.ordinal === s.ordinal && r.dueAt.getTime() === dueAt.getTime())
        .map((r) => r.threshold);
      const threshold = reminderDue(s, now, sent);
      if (!threshold) continue;
      await systemUnitOfWork(ctx, async (u) => {
        const rows = await u.tx.craReminder.createManyAndReturn({
          data: [{ notificationId: n.id, stage: s.stage, ordinal: s.ordinal, dueAt, threshold, sentAt: u.now }],
          skipDuplicates: true,
          select: { threshold: true },
        });
        if (!rows.length) return;
        reminders++;
        u.event(
          'cra.reminder',
          { caseId: n.caseId },
          {
            notificationId: n.id,
            notification: notificationHandle(n),
            stage: s.stage,
            ordinal: s.ordinal,
            threshold,
            dueAt: dueAt.toISOString(),
            dueLocal: s.dueLocal,
            coordinator: n.coordinator,
          },
        );
      });
    }
  }
  if (prompts || reminders) d.log.info({ prompts, reminders }, 'CRA clocks checked');
  return { prompts, reminders };
}
