export { type App, type AppDeps, buildApp } from './app.ts';
export { authenticate, type Viewer } from './auth.ts';
export { type ApiConfig, configFromEnv } from './config.ts';
export type { Context } from './context.ts';
export { checkCraClocks } from './cra/check.ts';
export { craSettings } from './cra/settings.ts';
export { CveServicesError, cveServicesClient } from './cve/client.ts';
export { buildCveRecord, cnaSettings } from './cve/record.ts';
export { drainCveOutbox } from './cve/worker.ts';
export { csafProblems, csafRecords, importCsafDocuments } from './feeds/csaf.ts';
export { type NvdSource, type SyncResult, syncNvd } from './feeds/fetch.ts';
export { type MatchSummary, matchInventory } from './feeds/match.ts';
export { emptySummary, type ImportSummary, importNvdRecords, normaliseCve, recordsOf } from './feeds/nvd.ts';
export { importOsvRecords, osvRecord } from './feeds/osv.ts';
export { importRolieFeed } from './feeds/rolie.ts';
export { importSbom, type SbomSummary } from './feeds/sbom.ts';
export { classifyFeed, type FeedSource, importFeedSources, loadFeed, loadFeeds } from './feeds/sources.ts';
export { schema } from './graph/index.ts';
export { DEFAULT_DECODER_LIMITS, type DecoderLimits, MailDecoder } from './intake/decoder.ts';
export { type IntakeDeps, type IntakeResult, processMail, receiveMail, retryStalledMail } from './intake/mail.ts';
export { CLOSE as LIVE_CLOSE_CODES } from './live/stream.ts';
export { createLogger, type Logger } from './logger.ts';
export { banner, type RunningPlatform, startPlatform } from './main.ts';
export {
  type Audience,
  type FieldRule,
  MUTATION_RULES,
  QUERY_RULES,
  type RootRule,
  renderNeedToKnow,
  ruleFields,
  SUBSCRIPTION_RULES,
  TYPE_RULES,
  type TypeRule,
} from './need-to-know.ts';
export { backoffMs, drainOutbox, smtpTransport } from './outbox.ts';
export {
  currentPublicKey,
  decryptForPsirt,
  generatePsirtKey,
  importPsirtKey,
  type KeyPolicy,
} from './services/keys.ts';
export { embeddedReplayStore } from './services/slack-deliveries.ts';
