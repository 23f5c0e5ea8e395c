import type { LiveBus } from './bus.ts';

/** Report events that change the analysts' triage queue. */
const QUEUE_EVENTS = new Set(['report.received', 'report.triaged']);

interface Committed {
  id: string;
  type: string;
  caseId: string | null;
  reportId: string | null;
  advisoryId: string | null;
}

/**
 * Publishes a committed unit of work's timeline events: one message per case,
 * per queue-changing report and per advisory, each listing its events in order.
 */
export function publishCommitted(live: LiveBus, events: readonly Committed[]): void {
  const group = (key: (e: Committed) => string | null, keep: (e: Committed) => boolean = () => true) => {
    const by = new Map<string, { id: string; type: string }[]>();
    for (const e of events) {
      const k = key(e);
      if (k === null || !keep(e)) continue;
      const list = by.get(k) ?? [];
      list.push({ id: e.id, type: e.type });
      by.set(k, list);
    }
    return by;
  };
  for (const [caseId, list] of group((e) => e.caseId)) live.publish('case', { caseId, events: list });
  for (const [reportId, list] of group(
    (e) => e.reportId,
    (e) => QUEUE_EVENTS.has(e.type),
  )) {
    live.publish('report', { reportId, events: list });
  }
  for (const [advisoryId, list] of group((e) => e.advisoryId)) live.publish('advisory', { advisoryId, events: list });
}
