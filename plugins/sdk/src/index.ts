// The contract between the psirt Slack bot and its plugins. A plugin is plain
// data plus handlers: the subcommands it adds to `/psirt`, the interactive
// actions (buttons) it answers, and the live events it turns into channel
// messages. Plugins reach the platform only through `api`, the GraphQL API
// acting as the Slack user (or, for reactions, as the bot), so the API's
// authorization, audit and workflow rules apply to them unchanged.

/** The GraphQL API as the acting user. Errors arrive as ApiError with the API's code. */
export interface PsirtApi {
  gql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** A refusal or failure reported by the API (`extensions.code`: FORBIDDEN, NOT_FOUND, VALIDATION…). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Bad arguments: the user is shown this message and the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What Slack shows: text, with optional Block Kit blocks. */
export interface Reply {
  text: string;
  blocks?: unknown[];
}

export interface CommandContext {
  /** The words after the subcommand, quotes respected (`note VAR-1 "two words"` → ['VAR-1', 'two words']). */
  args: readonly string[];
  /** The text after the subcommand, as typed. */
  rest: string;
  /** Who typed it, and where. */
  slack: { userId: string; channelId: string; teamId?: string };
  api: PsirtApi;
  /** What Slack says of a channel (conversations.info): is it private? */
  conversation(channelId: string): Promise<{ id: string; name: string; private: boolean }>;
  /** Answers the user (ephemeral by default; `inChannel` shows it to the channel). */
  respond(reply: string | Reply, options?: { inChannel?: boolean }): Promise<void>;
}

export interface Command {
  /** The subcommand: `/psirt <name> …`. Lower case, no spaces. */
  name: string;
  /** Its arguments, for help and usage errors: `<VAR> <text>`. */
  usage: string;
  /** One line for `/psirt help`. */
  description: string;
  run(ctx: CommandContext): Promise<void>;
}

export interface ActionContext {
  /** Posts a new message to a channel (chat.postMessage), as the bot. */
  post(channel: string, reply: Reply): Promise<{ ts: string }>;
  /** The button's action_id and value. */
  actionId: string;
  value: string;
  slack: { userId: string; channelId?: string; messageTs?: string };
  api: PsirtApi;
  /** An ephemeral answer to the clicker only. */
  respond(reply: string | Reply): Promise<void>;
  /** Replaces the message that carried the button (chat.update). */
  update(reply: Reply): Promise<void>;
}

export interface Action {
  /** The action_id this handles, or its prefix followed by ":" (`vote:` handles `vote:approve`). */
  actionId: string;
  run(ctx: ActionContext): Promise<void>;
}

/** A live event the bot received (through its graphql-ws subscriptions, as itself). */
export type LiveEvent =
  | {
      kind: 'advisory';
      /** SA-… */
      publicId: string;
      /** The timeline event type, as the API names it (ADVISORY_REVIEW_REQUESTED, ADVISORY_DECIDED…). */
      type: string;
      title: string;
      state: string;
    }
  | {
      /** A case changed (any change); the case as it now is. */
      kind: 'case';
      /** VAR-… */
      publicId: string;
      title: string;
      state: string;
      severity: string | null;
      severityScore: number | null;
      /** Under embargo now: announce only where embargoed cases may be announced. */
      embargoed: boolean;
      /** Keys of the products it concerns. */
      products: string[];
    }
  | {
      /** Third-party CVEs newly matched to the products' components (one import's worth): known-exploited first, then by EPSS, then by score. */
      kind: 'assessment';
      matches: ThirdPartyMatch[];
    }
  | CraEvent;

/**
 * A CRA Art. 14 clock moved: a reminder (6 h, 1 h before a stage is due, or
 * overdue), evidence that a case may be actively exploited (a prompt), a
 * notification started or a stage submitted.
 */
export interface CraEvent {
  kind: 'cra';
  /** The timeline event type, as the API names it (CRA_REMINDER, CRA_PROMPTED, CRA_STARTED, CRA_SUBMITTED…). */
  type: string;
  /** VAR-… */
  caseId: string;
  /** The notification's handle (VAR-…/exploited, VAR-…/incident); null for a prompt. */
  notification: string | null;
  /** ACTIVELY_EXPLOITED_VULNERABILITY or SEVERE_INCIDENT. */
  notificationKind: string | null;
  stage: string | null;
  /** The Article paragraph of the stage ("Art. 14(2)(a)"). */
  article: string | null;
  /** Reminders: H6, H1 or OVERDUE. */
  threshold: string | null;
  dueAt: string | null;
  /** The due time in the coordinator CSIRT's time zone. */
  dueLocal: string | null;
  coordinator: string | null;
  /** Prompts: the evidence. */
  detail: string | null;
}

/** A third-party CVE matched to a component of a product version. */
export interface ThirdPartyMatch {
  /** The assessment (its node id). */
  id: string;
  cveId: string;
  knownExploited: boolean;
  /** FIRST EPSS (0-1): the probability of exploitation in the next 30 days; null when not scored. */
  epss?: number | null;
  /** The product's key. */
  product: string;
  productVersion: string;
  component: { name: string; version: string | null };
  /** The supplier's CVSS (their advisory's, else NVD's primary), when published. */
  supplierCvss: { baseScore: number; severity: string | null } | null;
}

/** The Slack channels the platform is configured with (ids), where set. */
export interface Channels {
  /** The Security Advisories Committee's private channel: reviews and votes. */
  committee?: string;
  /** The PSIRT's private channel: CRA Art. 14 reminders and prompts. */
  psirt?: string;
}

export interface ReactionContext {
  /** The API as the bot itself (role CHAT_OPS: advisories, nothing confidential about reporters). */
  api: PsirtApi;
  /** Posts to a channel (chat.postMessage). */
  post(channel: string, reply: Reply): Promise<{ ts: string }>;
  /** What Slack says of a channel (conversations.info): is it private? */
  conversation(channelId: string): Promise<{ id: string; name: string; private: boolean }>;
  channels: Channels;
}

export interface Reaction {
  /** Which live events it wants. */
  on: LiveEvent['kind'];
  run(event: LiveEvent, ctx: ReactionContext): Promise<void>;
}

export interface Plugin {
  /** Unique among the loaded plugins (the package name for external ones). */
  name: string;
  commands?: readonly Command[];
  actions?: readonly Action[];
  reactions?: readonly Reaction[];
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Declares a plugin, checking what the bot relies on: command names are single
 * lower-case words, unique within the plugin; action ids are unique.
 */
export function definePlugin<P extends Plugin>(plugin: P): P {
  if (!plugin.name) throw new TypeError('a plugin needs a name');
  const seen = new Set<string>();
  for (const c of plugin.commands ?? []) {
    if (!NAME.test(c.name))
      throw new TypeError(`plugin ${plugin.name}: "${c.name}" is not a command name (a-z, 0-9, -)`);
    if (seen.has(c.name)) throw new TypeError(`plugin ${plugin.name}: command "${c.name}" is defined twice`);
    seen.add(c.name);
  }
  const actions = new Set<string>();
  for (const a of plugin.actions ?? []) {
    if (actions.has(a.actionId)) throw new TypeError(`plugin ${plugin.name}: action "${a.actionId}" is defined twice`);
    actions.add(a.actionId);
  }
  return plugin;
}

/**
 * Splits command text into words; "double" or 'single' quotes keep spaces.
 * Hand-written: Slack sends one string, and shell-style parsers bring globbing
 * and escapes that make no sense in a chat message.
 */
export function words(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|“([^”]*)”|(\S+)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  return out;
}
