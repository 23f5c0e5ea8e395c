import {
  ActorKind,
  CaseMemberRole,
  Channel,
  CreditPreference,
  CveState,
  CvssVersion,
  ImpactStatus,
  MessageDirection,
  MessageKind,
  MitigationKind,
  ProductLineRole,
  ReporterKind,
  ScoreKind,
  Severity,
  TriageOutcome,
  VexJustification,
} from '@psirt/db';
import { CASE_STATE_DESCRIPTIONS, type CASE_STATES, ROLE_DESCRIPTIONS, ROLES } from '@psirt/schema';
import { builder } from '../builder.ts';

export const RoleEnum = builder.enumType('Role', {
  description: 'What a staff member may do. One user can hold several roles.',
  values: Object.fromEntries(ROLES.map((r) => [r, { description: ROLE_DESCRIPTIONS[r] }])),
});

export const ReporterKindEnum = builder.enumType(ReporterKind, { name: 'ReporterKind' });
export const CreditPreferenceEnum = builder.enumType(CreditPreference, {
  name: 'CreditPreference',
  description: 'How a reporter wants to be credited in an advisory.',
});
export const ProductLineRoleEnum = builder.enumType(ProductLineRole, {
  name: 'ProductLineRole',
  description: 'PRIME: Product Security Prime (PSP). SPECIALIST: Product Security Specialist (PSS).',
});

export const CaseStateEnum = builder.enumType('CaseState', {
  description: 'Workflow state of an analysis case (VAR); see `varWorkflow` for the transitions.',
  values: {
    ANALYSIS: { description: CASE_STATE_DESCRIPTIONS.ANALYSIS },
    REMEDIATION: { description: CASE_STATE_DESCRIPTIONS.REMEDIATION },
    DISCLOSURE: { description: CASE_STATE_DESCRIPTIONS.DISCLOSURE },
    CLOSED: { description: CASE_STATE_DESCRIPTIONS.CLOSED },
  } satisfies Record<(typeof CASE_STATES)[number], { description: string }>,
});
export const CaseMemberRoleEnum = builder.enumType(CaseMemberRole, {
  name: 'CaseMemberRole',
  description: "A member's part in a case's Vulnerability Analysis Team.",
});
export const ImpactStatusEnum = builder.enumType(ImpactStatus, {
  name: 'ImpactStatus',
  description: 'VEX-style status of one product for one case.',
});
export const VexJustificationEnum = builder.enumType(VexJustification, {
  name: 'VexJustification',
  description: 'Why a product is NOT_AFFECTED (CSAF/VEX justifications).',
});
export const MitigationKindEnum = builder.enumType(MitigationKind, {
  name: 'MitigationKind',
  description: 'CONFIGURATION, RESTRICTION and WORKAROUND mitigate; FIX is the final remedy.',
});
export const CveStateEnum = builder.enumType(CveState, { name: 'CveState' });
export const MessageDirectionEnum = builder.enumType(MessageDirection, { name: 'MessageDirection' });
export const MessageKindEnum = builder.enumType(MessageKind, { name: 'MessageKind' });
export const TriageOutcomeEnum = builder.enumType(TriageOutcome, { name: 'TriageOutcome' });
export const ChannelEnum = builder.enumType(Channel, { name: 'Channel' });
export const ScoreKindEnum = builder.enumType(ScoreKind, { name: 'ScoreKind' });
export const CvssVersionEnum = builder.enumType(CvssVersion, { name: 'CvssVersion' });
export const SeverityEnum = builder.enumType(Severity, { name: 'Severity' });
export const ActorKindEnum = builder.enumType(ActorKind, { name: 'ActorKind' });

export const ReportStatusEnum = builder.enumType('ReportStatus', {
  description: "A report's status as its reporter sees it.",
  values: {
    RECEIVED: { description: 'Received, not yet acknowledged.' },
    ACKNOWLEDGED: { description: 'Acknowledged; waiting for triage.' },
    IN_ANALYSIS: { description: 'Accepted: the PSIRT is analysing it.' },
    CLOSED: { description: 'Accepted, and the analysis has concluded.' },
    REJECTED: { description: 'Not taken further (the messages say why).' },
  },
});

export const RejectReasonEnum = builder.enumType('RejectReason', {
  description: 'Why triage does not take a report further. Each sends the reporter the policy message for it.',
  values: {
    LIVE_INCIDENT: { description: 'An ongoing incident: the reporter is sent to customer support.' },
    DUPLICATE: { description: 'Duplicates an earlier report (name it in duplicateOf).' },
    OUT_OF_SCOPE: { description: 'Not about a product the PSIRT answers for.' },
    NOT_A_VULNERABILITY: { description: 'Not a security vulnerability.' },
    INSUFFICIENT_INFORMATION: { description: 'Too little to analyse: the reporter is asked for more.' },
  },
});
