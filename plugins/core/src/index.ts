// The built-in chat-ops commands. Each is a thin client of the GraphQL API:
// it parses its arguments, asks the API as the Slack user, and says what
// happened. The API decides who may do what.
import { definePlugin, type PsirtApi, UsageError } from '@psirt/plugin-sdk';
import { SEVERITIES, type Severity, severitiesAtLeast } from '@psirt/schema';
import { caseArg, REJECT_REASONS, VSR } from './args.ts';
import { craCommand, craLines, craReaction } from './cra.ts';
import { cveCommand } from './cve.ts';
import {
  CASE_CARD,
  type CaseCard,
  caseCard,
  committeeMessage,
  matchesMessage,
  readAdvisory,
  VOTES,
} from './messages.ts';

export { caseCard, committeeMessage, matchesMessage } from './messages.ts';

const MEMBER_ROLES = ['prime', 'specialist', 'analyst', 'need-to-know'];
const JUSTIFICATIONS = [
  'component-not-present',
  'vulnerable-code-not-present',
  'vulnerable-code-cannot-be-controlled-by-adversary',
  'vulnerable-code-not-in-execute-path',
  'inline-mitigations-already-exist',
];

interface ChannelSub {
  channelId: string;
  products: string[];
  minSeverity: string | null;
  embargoed: boolean;
}

const isSeverity = (s: string): s is Severity => (SEVERITIES as readonly string[]).includes(s);
const atLeast = (severity: string | null, min: string) =>
  severity !== null && isSeverity(min) && (severitiesAtLeast(min) as string[]).includes(severity);

/**
 * What each case looked like when last announced (state and severity), per
 * bot: keyed by the bot's API client, so two bots in one process (the tests
 * run several, one after another) do not hide each other's announcements.
 */
const lastSeenBy = new WeakMap<PsirtApi, Map<string, string>>();

export default definePlugin({
  name: '@psirt/plugin-core',
  reactions: [
    craReaction,
    {
      // Case changes of state or severity, to the channels subscribed to them.
      on: 'case',
      async run(event, ctx) {
        if (event.kind !== 'case') return;
        const now = `${event.state}|${event.severity}`;
        const lastSeen = lastSeenBy.get(ctx.api) ?? new Map<string, string>();
        lastSeenBy.set(ctx.api, lastSeen);
        const before = lastSeen.get(event.publicId);
        lastSeen.set(event.publicId, now);
        if (before === now) return;
        const { slackChannelSubscriptions: subs } = await ctx.api.gql<{ slackChannelSubscriptions: ChannelSub[] }>(
          '{ slackChannelSubscriptions { channelId products minSeverity embargoed } }',
        );
        const text = [
          `*${event.publicId}* — ${event.title}: ${event.state.toLowerCase()}`,
          `severity ${event.severity ? `${event.severity} ${event.severityScore?.toFixed(1) ?? ''}`.trim() : 'not scored'}`,
          ...(event.embargoed ? ['under embargo'] : []),
        ].join(' · ');
        for (const s of subs) {
          // Embargoed cases only where the PSIRT set a private channel aside for them.
          if (event.embargoed && !s.embargoed) continue;
          if (s.products.length && !event.products.some((p) => s.products.includes(p))) continue;
          if (s.minSeverity && !atLeast(event.severity, s.minSeverity)) continue;
          await ctx.post(s.channelId, { text });
        }
      },
    },
    {
      // New third-party CVE matches, to the channels subscribed to those products: one message per
      // channel for each batch the matcher records (up to 1,000 CVEs), known-exploited first.
      on: 'assessment',
      async run(event, ctx) {
        if (event.kind !== 'assessment') return;
        const { slackChannelSubscriptions: subs } = await ctx.api.gql<{ slackChannelSubscriptions: ChannelSub[] }>(
          '{ slackChannelSubscriptions { channelId products minSeverity embargoed } }',
        );
        for (const s of subs) {
          const matches = event.matches.filter(
            (m) =>
              (!s.products.length || s.products.includes(m.product)) &&
              // Known-exploited matches pass any severity threshold.
              (!s.minSeverity || m.knownExploited || atLeast(m.supplierCvss?.severity ?? null, s.minSeverity)),
          );
          if (matches.length) await ctx.post(s.channelId, matchesMessage(matches));
        }
      },
    },
    {
      on: 'advisory',
      async run(event, ctx) {
        const channel = ctx.channels.committee;
        if (!channel || event.kind !== 'advisory') return;
        // Advisories under review may concern embargoed cases: only a private channel hears of them.
        if (!(await ctx.conversation(channel)).private) {
          throw new Error(`the committee channel ${channel} is public; advisories under review are not posted there`);
        }
        if (event.type === 'ADVISORY_REVIEW_REQUESTED') {
          const a = await readAdvisory(ctx.api, event.publicId);
          if (a) await ctx.post(channel, committeeMessage(a));
        } else if (event.type === 'ADVISORY_DECIDED') {
          const a = await readAdvisory(ctx.api, event.publicId);
          const decision = a?.tally?.decision ?? (a?.state === 'APPROVED' ? 'APPROVED' : 'decided');
          await ctx.post(channel, {
            text: `${event.publicId} — ${event.title}: the committee ${decision.toLowerCase()} it.`,
          });
        }
      },
    },
  ],
  actions: [
    {
      // "Open a case" under new third-party matches: one VAR for the CVE's matches, as the clicker (PSIRT).
      actionId: 'escalate:',
      async run(ctx) {
        const ids = ctx.value.split(',').filter(Boolean);
        if (!ids.length) throw new UsageError('This button is not one of ours.');
        const { escalateAssessments: c } = await ctx.api.gql<{
          escalateAssessments: { publicId: string; title: string; impacts: { product: { key: string } }[] };
        }>(
          'mutation($ids: [String!]!) { escalateAssessments(ids: $ids) { publicId title impacts { product { key } } } }',
          {
            ids,
          },
        );
        const products = c.impacts.map((i) => i.product.key).join(', ');
        const text = `<@${ctx.slack.userId}> opened *${c.publicId}* — ${c.title} (${products}).`;
        if (ctx.slack.channelId) await ctx.post(ctx.slack.channelId, { text });
        await ctx.respond(`Opened ${c.publicId} for ${ids.length} match${ids.length === 1 ? '' : 'es'}.`);
      },
    },
    {
      actionId: 'vote:',
      async run(ctx) {
        const vote = ctx.actionId.slice('vote:'.length) as keyof typeof VOTES;
        const [publicId = '', revision = ''] = ctx.value.split(':');
        if (!(vote in VOTES) || !publicId) throw new UsageError('This button is not one of ours.');
        const before = await readAdvisory(ctx.api, publicId);
        if (!before) throw new UsageError(`No advisory ${publicId}, or not one you may see.`);
        if (before.state !== 'IN_REVIEW' || String(before.currentRevision) !== revision) {
          // An old message: the revision it shows is no longer the one under review.
          await ctx.update(committeeMessage(before));
          return ctx.respond(`Revision ${revision} of ${publicId} is no longer under review.`);
        }
        // The API counts only committee members, once per member per revision (a second click changes the vote).
        await ctx.api.gql(
          'mutation($a: String!, $d: VoteDecision!) { castAdvisoryVote(advisoryId: $a, decision: $d) { id } }',
          {
            a: publicId,
            d: VOTES[vote],
          },
        );
        const after = await readAdvisory(ctx.api, publicId);
        if (after) await ctx.update(committeeMessage(after));
        await ctx.respond(`Your vote on ${publicId} revision ${revision}: ${vote}.`);
      },
    },
  ],
  commands: [
    craCommand,
    {
      name: 'queue',
      usage: '',
      description: 'CRA clocks and prompts first, then reports waiting for triage, oldest first, with their age.',
      async run(ctx) {
        const [data, cra] = await Promise.all([
          ctx.api.gql<{
            triageQueue: {
              totalCount: number;
              edges: { node: { publicId: string; title: string; ageHours: number } }[];
            };
          }>('{ triageQueue(first: 20) { totalCount edges { node { publicId title ageHours } } } }'),
          craLines(ctx.api),
        ]);
        const q = data.triageQueue;
        const first = cra.length ? `CRA Art. 14 first:\n${cra.join('\n')}\n\n` : '';
        if (!q.totalCount) return ctx.respond(`${first}The triage queue is empty.`);
        const lines = q.edges.map(({ node: r }) => `• *${r.publicId}* ${r.title} — ${r.ageHours} h`);
        const more = q.totalCount > q.edges.length ? `\n…and ${q.totalCount - q.edges.length} more` : '';
        await ctx.respond(`${first}${q.totalCount} report(s) to triage:\n${lines.join('\n')}${more}`);
      },
    },
    {
      name: 'case',
      usage: '<VAR>',
      description: 'The summary card of a case: state, severity, products, team, next update due, embargo.',
      async run(ctx) {
        const id = caseArg(ctx);
        const { case: c } = await ctx.api.gql<{ case: CaseCard | null }>(CASE_CARD, { id });
        // The API answers null alike for a case that does not exist and one the user may not see.
        if (!c) return ctx.respond(`No case ${id}, or not one you may see.`);
        await ctx.respond(caseCard(c));
      },
    },
    {
      name: 'note',
      usage: '<VAR> <text>',
      description: "Add a note to a case's timeline.",
      async run(ctx) {
        const id = caseArg(ctx);
        const text = ctx.rest.replace(/^\s*\S+\s*/, '').trim();
        if (!text) throw new UsageError('the note is empty');
        await ctx.api.gql('mutation($c: String!, $t: String!) { addCaseNote(caseId: $c, text: $t) { id } }', {
          c: id,
          t: text,
        });
        await ctx.respond(`Noted on ${id}.`);
      },
    },
    {
      name: 'triage',
      usage: '<VSR> accept [product…] | reject <reason> [text]',
      description: `Accept a report into a new case, or reject it (${REJECT_REASONS.join(', ')}).`,
      async run(ctx) {
        const [vsr, verb, ...more] = ctx.args;
        if (!vsr || !VSR.test(vsr))
          throw new UsageError(vsr ? `"${vsr}" is not a report id (VSR-2026-0001)` : 'which report?');
        if (verb === 'accept') {
          // acceptReport answers with the case it opened.
          const data = await ctx.api.gql<{ acceptReport: { publicId: string } }>(
            'mutation($r: String!, $p: [String!]) { acceptReport(reportId: $r, products: $p) { publicId } }',
            { r: vsr.toUpperCase(), p: more },
          );
          return ctx.respond(`${vsr.toUpperCase()} accepted: case ${data.acceptReport.publicId} opened.`);
        }
        if (verb === 'reject') {
          const [reason, ...text] = more;
          if (!reason || !REJECT_REASONS.includes(reason.toLowerCase())) {
            throw new UsageError(`give a reason: ${REJECT_REASONS.join(', ')}`);
          }
          await ctx.api.gql(
            'mutation($r: String!, $why: RejectReason!, $n: String) { rejectReport(reportId: $r, reason: $why, note: $n) { id } }',
            { r: vsr.toUpperCase(), why: reason.toUpperCase().replace(/-/g, '_'), n: text.join(' ') || null },
          );
          return ctx.respond(`${vsr.toUpperCase()} rejected (${reason.toLowerCase()}); the reporter is told.`);
        }
        throw new UsageError('accept or reject?');
      },
    },
    {
      name: 'move',
      usage: '<VAR> <state>',
      description: 'Move a case to another state of the workflow.',
      async run(ctx) {
        const id = caseArg(ctx);
        const to = ctx.args[1];
        if (!to) throw new UsageError('to which state?');
        const data = await ctx.api.gql<{ transitionCase: { state: string } }>(
          'mutation($c: String!, $to: CaseState!) { transitionCase(caseId: $c, to: $to) { state } }',
          { c: id, to: to.toUpperCase().replace(/-/g, '_') },
        );
        await ctx.respond(`${id} is now ${data.transitionCase.state.toLowerCase()}.`, { inChannel: true });
      },
    },
    {
      name: 'assign',
      usage: '<VAR> @user [prime|specialist|analyst|need-to-know]',
      description: 'Put someone on the case team (default: need-to-know).',
      async run(ctx) {
        const id = caseArg(ctx);
        const [, who, role = 'need-to-know'] = ctx.args;
        // Slack escapes mentions in slash commands as <@U0123|name> (the manifest asks it to).
        if (!who || !/^<@[UW][A-Z0-9]+(\|[^>]*)?>$/i.test(who)) throw new UsageError('mention the person: @name');
        if (!MEMBER_ROLES.includes(role.toLowerCase()))
          throw new UsageError(`a role is one of ${MEMBER_ROLES.join(', ')}`);
        await ctx.api.gql(
          'mutation($c: String!, $u: ID!, $r: CaseMemberRole) { addCaseMember(caseId: $c, userId: $u, role: $r) { id } }',
          {
            c: id,
            u: who,
            r: role.toUpperCase().replace(/-/g, '_'),
          },
        );
        await ctx.respond(`${who} is on ${id} as ${role.toLowerCase()}.`);
      },
    },
    {
      name: 'impact',
      usage: '<VAR> <product> affected [versions] | not-affected <justification> [text] | fixed <version>',
      description: `Record a product's impact. Justifications: ${JUSTIFICATIONS.join(', ')}.`,
      async run(ctx) {
        const id = caseArg(ctx);
        const [, product, status, ...more] = ctx.args;
        if (!product) throw new UsageError('which product?');
        const input: Record<string, unknown> = { caseId: id, product };
        if (status === 'affected')
          Object.assign(input, { status: 'AFFECTED', affectedVersions: more.join(' ') || null });
        else if (status === 'fixed') {
          if (!more[0]) throw new UsageError('fixed in which version?');
          Object.assign(input, { status: 'FIXED', fixedVersion: more[0] });
        } else if (status === 'not-affected') {
          const [why, ...text] = more;
          if (!why || !JUSTIFICATIONS.includes(why))
            throw new UsageError(`why not affected: ${JUSTIFICATIONS.join(', ')}`);
          Object.assign(input, {
            status: 'NOT_AFFECTED',
            justification: why.toUpperCase().replace(/-/g, '_'),
            justificationText: text.join(' ') || null,
          });
        } else throw new UsageError('affected, not-affected or fixed?');
        const data = await ctx.api.gql<{ setProductImpact: { severity: string | null } }>(
          'mutation($i: ProductImpactInput!) { setProductImpact(input: $i) { severity } }',
          { i: input },
        );
        await ctx.respond(
          `${id}: ${product} is ${status}. Case severity: ${data.setProductImpact.severity ?? 'not scored'}.`,
        );
      },
    },
    {
      name: 'notify',
      usage: '<VAR> <text>',
      description: 'Send the case’s reporters a status update (PSIRT).',
      async run(ctx) {
        const id = caseArg(ctx);
        const text = ctx.rest.replace(/^\s*\S+\s*/, '').trim();
        if (!text) throw new UsageError('what should the reporters be told?');
        await ctx.api.gql('mutation($c: String!, $b: String!) { messageReporters(caseId: $c, body: $b) { id } }', {
          c: id,
          b: text,
        });
        await ctx.respond(`The reporters of ${id} are sent your update.`);
      },
    },
    {
      name: 'advisory',
      usage: 'request <VAR> [title]',
      description:
        'Draft a Security Advisory for a case (PSIRT); it goes to the committee when its review is requested.',
      async run(ctx) {
        if (ctx.args[0] !== 'request') throw new UsageError('only `advisory request` for now');
        const id = caseArg(ctx, 1);
        const title = ctx.args.slice(2).join(' ');
        const card = title
          ? null
          : (
              await ctx.api.gql<{ case: { title: string } | null }>(
                'query($id: String!) { case(publicId: $id) { title } }',
                { id },
              )
            ).case;
        if (!title && !card) return ctx.respond(`No case ${id}, or not one you may see.`);
        const data = await ctx.api.gql<{ createAdvisory: { publicId: string } }>(
          'mutation($c: [String!]!, $t: String!) { createAdvisory(cases: $c, title: $t) { publicId } }',
          { c: [id], t: title || (card?.title as string) },
        );
        await ctx.respond(`${data.createAdvisory.publicId} drafted for ${id}.`);
      },
    },
    {
      name: 'subscribe',
      usage: '#channel [product=key,…] [severity>=LEVEL] [embargoed]',
      description:
        'Announce case changes (state, severity) in a channel, filtered. `embargoed`: also embargoed cases — private channels only.',
      async run(ctx) {
        const [channel, ...options] = ctx.args;
        const m = /^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$/i.exec(channel ?? '');
        if (!m) throw new UsageError('name the channel: #channel');
        const channelId = (m[1] as string).toUpperCase();
        let products: string[] = [];
        let minSeverity: string | null = null;
        let embargoed = false;
        for (const o of options) {
          if (o.startsWith('product=')) products = o.slice('product='.length).split(',').filter(Boolean);
          else if (o.toLowerCase().startsWith('severity>=')) {
            minSeverity = o.slice('severity>='.length).toUpperCase();
            if (!isSeverity(minSeverity)) throw new UsageError(`a severity is one of ${SEVERITIES.join(', ')}`);
          } else if (o === 'embargoed') embargoed = true;
          else throw new UsageError(`"${o}" is not an option`);
        }
        // Slack, not the user, says whether the channel is private.
        const info = await ctx.conversation(channelId);
        await ctx.api.gql(
          'mutation($c: String!, $p: [String!], $s: Severity, $e: Boolean, $priv: Boolean!) { subscribeSlackChannel(channelId: $c, products: $p, minSeverity: $s, embargoed: $e, private: $priv) { channelId } }',
          { c: channelId, p: products, s: minSeverity, e: embargoed, priv: info.private },
        );
        const filters = [
          products.length ? `products ${products.join(', ')}` : 'every product',
          minSeverity ? `severity ≥ ${minSeverity.toLowerCase()}` : 'any severity',
          embargoed ? 'embargoed cases included' : 'no embargoed cases',
        ];
        await ctx.respond(`<#${channelId}> will hear of case changes: ${filters.join(', ')}.`);
      },
    },
    {
      name: 'score',
      usage: '<VAR> <vector> [product] [rationale]',
      description: 'Score a case: the vendor base score, or with a product its AVSS (and a rationale).',
      async run(ctx) {
        const id = caseArg(ctx);
        const [, vector, product, ...why] = ctx.args;
        if (!vector) throw new UsageError('which CVSS vector?');
        const input = product
          ? { caseId: id, kind: 'AVSS', vector, product, rationale: why.join(' ') || null }
          : { caseId: id, kind: 'VENDOR_BASE', vector };
        const data = await ctx.api.gql<{ recordScore: { severity: string | null; severityScore: number | null } }>(
          'mutation($i: RecordScoreInput!) { recordScore(input: $i) { severity severityScore } }',
          { i: input },
        );
        const s = data.recordScore;
        await ctx.respond(
          `${id} scored${product ? ` for ${product}` : ''}: ${vector}. Case severity: ${s.severity ?? 'none'} ${s.severityScore ?? ''}`.trim(),
        );
      },
    },
    cveCommand,
  ],
});
