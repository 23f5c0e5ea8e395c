// CRA Art. 14 in Slack: reminders and prompts to the PSIRT's private channel,
// and `/psirt cra`, the open notifications against their clocks. Submitting
// happens on ENISA's platform; the platform only keeps the clocks and drafts.
import { ApiError, type Command, type CraEvent, type PsirtApi, type Reaction, type Reply } from '@psirt/plugin-sdk';

const STAGE_NAMES: Record<string, string> = {
  EARLY_WARNING: 'early warning',
  NOTIFICATION: 'notification',
  INTERMEDIATE: 'intermediate report',
  FINAL_REPORT: 'final report',
};
const utc = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;
const local = (e: { dueLocal: string | null; coordinator?: string | null }) =>
  e.dueLocal ? ` (${e.dueLocal}${e.coordinator ? `, ${e.coordinator}` : ''})` : '';

/** The message for a reminder or a prompt; null for the clock's other moves. */
export function craMessage(e: CraEvent): Reply | null {
  if (e.type === 'CRA_PROMPTED') {
    return {
      text: `:grey_question: *${e.caseId}* may be actively exploited: ${e.detail ?? 'new evidence'}. If the PSIRT judges it is, CRA Art. 14 notifications are due within 24 h of becoming aware — start one with the time you became aware and why (startCraNotification), or record why not (dismissCraPrompt).`,
    };
  }
  if (e.type !== 'CRA_REMINDER' || !e.stage || !e.dueAt) return null;
  const what = `CRA ${STAGE_NAMES[e.stage] ?? e.stage}${e.article ? ` (${e.article})` : ''} of *${e.notification ?? e.caseId}*`;
  const when = `${utc(e.dueAt)}${local(e)}`;
  const how = 'Submit it on ENISA’s Single Reporting Platform, then record it: `psirt cra export` gives the text.';
  if (e.threshold === 'OVERDUE')
    return { text: `:rotating_light: The ${what} is *overdue*: it was due ${when}. ${how}` };
  const days = /^OVERDUE_(\d+)D$/.exec(e.threshold ?? '')?.[1];
  if (days) {
    const n = `${days} day${days === '1' ? '' : 's'}`;
    return { text: `:rotating_light: The ${what} is *${n} overdue*: it was due ${when}. ${how}` };
  }
  const hours = e.threshold === 'H1' ? '1 hour' : '6 hours';
  return { text: `:alarm_clock: The ${what} is due in ${hours}: ${when}. ${how}` };
}

export const craReaction: Reaction = {
  on: 'cra',
  async run(event, ctx) {
    if (event.kind !== 'cra') return;
    const message = craMessage(event);
    const channel = ctx.channels.psirt;
    if (!message || !channel) return;
    // Notifications concern embargoed, exploited vulnerabilities: only a private channel hears of them.
    if (!(await ctx.conversation(channel)).private) {
      throw new Error(`the PSIRT channel ${channel} is public; CRA reminders are not posted there`);
    }
    await ctx.post(channel, message);
  },
};

interface OpenNotification {
  handle: string;
  overdue: boolean;
  next: { stage: string; ordinal: number; dueAt: string; dueLocal: string | null; overdue: boolean } | null;
  stages: { stage: string; submittedAt: string | null; notYetDue: string | null }[];
}

/** The lines that go first in the queue: overdue and upcoming CRA stages, then prompts. */
export async function craLines(api: PsirtApi): Promise<string[]> {
  const data = await api.gql<{ craNotifications: OpenNotification[] }>(
    '{ craNotifications(open: true) { handle overdue next { stage ordinal dueAt dueLocal overdue } stages { stage submittedAt notYetDue } } }',
  );
  // Prompts are the PSIRT's: a case's team sees its notifications, not the evidence on other cases.
  const prompts = await api
    .gql<{ craPrompts: { caseId: string; detail: string }[] }>('{ craPrompts { caseId detail } }')
    .then((d) => d.craPrompts)
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'FORBIDDEN') return [];
      throw error;
    });
  const lines = data.craNotifications.map((n) => {
    if (!n.next) {
      const waiting = n.stages.find((s) => !s.submittedAt && s.notYetDue);
      return `• *${n.handle}* — ${STAGE_NAMES[waiting?.stage ?? ''] ?? 'next stage'} not yet due: ${waiting?.notYetDue ?? ''}`;
    }
    const s = n.next;
    const name = `${STAGE_NAMES[s.stage] ?? s.stage}${s.stage === 'INTERMEDIATE' ? ` ${s.ordinal}` : ''}`;
    return `• ${s.overdue ? ':rotating_light: ' : ''}*${n.handle}* — ${name} ${s.overdue ? '*overdue*, was due' : 'due'} ${utc(s.dueAt)}${local(s)}`;
  });
  for (const p of prompts) lines.push(`• :grey_question: *${p.caseId}* may be actively exploited: ${p.detail}`);
  return lines;
}

export const craCommand: Command = {
  name: 'cra',
  usage: '',
  description: 'Open CRA Art. 14 notifications against their clocks, next due first, and evidence awaiting a decision.',
  async run(ctx) {
    const lines = await craLines(ctx.api);
    if (!lines.length) return ctx.respond('No CRA notification is open, and no evidence awaits a decision.');
    await ctx.respond(`CRA Art. 14 — open notifications and prompts:\n${lines.join('\n')}`);
  },
};
