// `psirt cra list|show|export`: CRA Art. 14 notifications at the command line,
// read as an operator (the whole platform): their clocks, and a stage's draft
// — or what was submitted — as JSON or as text to paste into ENISA's form.
import { CRA_STAGE_NAMES, CRA_STAGES, type CraStage, DomainError } from '@psirt/schema';
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { NotificationView, StageView } from '../../cra/facts.ts';
import type { CliRuntime } from '../runtime.ts';

const STAGE_WORDS: Record<string, CraStage> = {
  'early-warning': 'EARLY_WARNING',
  notification: 'NOTIFICATION',
  intermediate: 'INTERMEDIATE',
  'final-report': 'FINAL_REPORT',
  final: 'FINAL_REPORT',
};
const parseStage = (v: string): CraStage => {
  const s = STAGE_WORDS[v.toLowerCase()] ?? (CRA_STAGES as readonly string[]).find((x) => x === v.toUpperCase());
  if (!s) throw new InvalidArgumentError('early-warning, notification, intermediate or final-report');
  return s as CraStage;
};
const utc = (d: Date) => d.toISOString().replace(/:\d\d\.\d{3}Z$/, 'Z');
const stageName = (s: StageView) => `${CRA_STAGE_NAMES[s.stage]}${s.stage === 'INTERMEDIATE' ? ` ${s.ordinal}` : ''}`;

function stageLine(s: StageView): string {
  const due = s.dueAt ? `due ${utc(s.dueAt)}${s.dueLocal ? ` (${s.dueLocal})` : ''}` : `not yet due: ${s.notYetDue}`;
  const state = s.submittedAt
    ? `submitted ${utc(s.submittedAt)}${s.late ? ' (late)' : ''}, reference ${s.submission?.reference}, sha256 ${s.submission?.digest}`
    : s.overdue
      ? 'OVERDUE'
      : 'open';
  return `  ${stageName(s).padEnd(22)} ${due} — ${state}`;
}

export function craCommands(program: Command, rt: CliRuntime) {
  const cra = program
    .command('cra')
    .description(
      'EU Cyber Resilience Act, Art. 14: notifications of actively exploited vulnerabilities and severe incidents against their clocks (submission itself happens on ENISA’s Single Reporting Platform)',
    );

  /** Runs `fn` with the notifications' views as the platform sees them now. */
  const withViews = <T>(fn: (load: (ref?: string) => Promise<NotificationView[]>) => Promise<T>) =>
    rt.withDatabase(async ({ prisma }, config) => {
      const { platformPolicy } = await import('../../policy.ts');
      const { viewNotifications, NOTIFICATION_WITH } = await import('../../cra/facts.ts');
      const { notificationWhere, theOne } = await import('../../cra/service.ts');
      const policy = platformPolicy(config);
      const settings = {
        ...policy.cra,
        manufacturer: { name: policy.publisher.name, contact: policy.publisher.contactDetails },
      };
      return fn(async (ref) => {
        const rows = await prisma.craNotification.findMany({
          where: ref ? notificationWhere(ref) : {},
          include: NOTIFICATION_WITH,
          orderBy: { createdAt: 'asc' },
          take: ref ? 2 : 1000,
        });
        if (ref && !theOne(ref, rows)) throw new DomainError('NOT_FOUND', `No CRA notification ${ref}.`);
        const now = new Date();
        return viewNotifications(prisma, rows, settings, now);
      });
    });

  cra
    .command('list')
    .description('Notifications with their next stage due, the next due first.')
    .option('--all', 'closed ones too')
    .option('--overdue', 'only those with a stage past due')
    .action((opts: { all?: boolean; overdue?: boolean }) =>
      withViews(async (load) => {
        const views = (await load())
          .filter((v) => (opts.all || v.open) && (!opts.overdue || v.overdue))
          .sort((a, b) => (a.next?.dueAt?.getTime() ?? Infinity) - (b.next?.dueAt?.getTime() ?? Infinity));
        if (!views.length) return rt.out(opts.all ? 'no CRA notification' : 'no open CRA notification');
        for (const v of views) {
          const next = v.next
            ? `${stageName(v.next)} ${v.next.overdue ? 'OVERDUE since' : 'due'} ${utc(v.next.dueAt as Date)}`
            : v.open
              ? 'waiting: final report not yet due'
              : 'closed';
          rt.out(
            `${v.n.case.publicId}/${v.n.kind === 'SEVERE_INCIDENT' ? 'incident' : 'exploited'}\t${next}\t${v.n.case.title}`,
          );
        }
      }),
    );

  cra
    .command('show')
    .description('One notification: who decided awareness and why, and every stage against its clock.')
    .argument('<id>', 'VAR-…/exploited, VAR-…/incident, or the case id when it has one')
    .action((id: string) =>
      withViews(async (load) => {
        const [v] = await load(id);
        if (!v) return;
        const n = v.n;
        rt.out(`${n.case.publicId}/${n.kind === 'SEVERE_INCIDENT' ? 'incident' : 'exploited'} — ${n.case.title}`);
        rt.out(`  kind                   ${n.kind.toLowerCase().replaceAll('_', ' ')}`);
        rt.out(`  aware since            ${utc(n.awareAt)} — ${n.basis}`);
        rt.out(
          `  coordinator CSIRT      ${n.coordinator ?? '(not set: PSIRT_CRA_MEMBER_STATE)'}${n.memberState ? ` (${n.memberState})` : ''}`,
        );
        for (const s of v.stages) rt.out(stageLine(s));
      }),
    );

  cra
    .command('export')
    .description("A stage's draft (or, once submitted, exactly what was submitted): JSON, or text for ENISA's form.")
    .argument('<id>', 'VAR-…/exploited, VAR-…/incident, or the case id when it has one')
    .addOption(
      new Option('-s, --stage <stage>', 'early-warning, notification, intermediate, final-report')
        .argParser(parseStage)
        .makeOptionMandatory(),
    )
    .addOption(
      new Option('--ordinal <n>', 'which intermediate report (default: the latest)').argParser((v) =>
        Number.parseInt(v, 10),
      ),
    )
    .addOption(new Option('-f, --format <format>', 'json or text').choices(['json', 'text']).default('text'))
    .action((id: string, opts: { stage: CraStage; ordinal?: number; format: 'json' | 'text' }) =>
      withViews(async (load) => {
        const [v] = await load(id);
        if (!v) return;
        const candidates = v.stages.filter(
          (s) => s.stage === opts.stage && (!opts.ordinal || s.ordinal === opts.ordinal),
        );
        const s = candidates.at(-1);
        if (!s)
          throw new DomainError(
            'NOT_FOUND',
            `${id} has no ${CRA_STAGE_NAMES[opts.stage]}${opts.ordinal ? ` ${opts.ordinal}` : ''} (an intermediate report exists once the CSIRT asked for one).`,
          );
        const d = s.draft();
        rt.out(opts.format === 'json' ? JSON.stringify(d.json, null, 2) : d.text);
        if (d.missing.length) rt.err(`note: missing ${d.missing.join(', ')}\n`);
        if (s.submission)
          rt.err(
            `note: submitted ${utc(s.submission.submittedAt)}, reference ${s.submission.reference}; this is what was sent\n`,
          );
      }),
    );
}
