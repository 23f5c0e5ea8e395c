/** Every kind of timeline event a report or case can have. */
export const TIMELINE_EVENT_TYPES = {
  'report.received': 'A report arrived.',
  'report.acknowledged': 'The reporter was sent an acknowledgement.',
  'report.acknowledgement.withheld':
    'No acknowledgement was sent: this address was sent the most acknowledgements an hour allows (a flood, or mail forged in its name).',
  'report.triaged': 'Triage decided (data.outcome; data.attached when it joined an existing case).',
  'case.opened': 'The case was opened from a report.',
  'case.transitioned': 'The case moved state (data.from, data.to, data.comment).',
  'case.details.changed': 'Title, summary or CWE ids changed.',
  'case.embargo.changed': 'The embargo date or its time zone changed.',
  'case.exploitation.changed': 'Exploitation observed was set or cleared (with when and source).',
  'case.publiclyKnown.changed': 'Public knowledge was set or cleared (with when and source).',
  'case.notificationPlan.changed': 'The notification plan changed.',
  'case.note': 'A team note (data.text).',
  'member.added': 'Someone joined the team or changed role (data.automatic for product-line staff).',
  'member.removed': 'Someone left the team.',
  'impact.added': 'A product was added to the case.',
  'impact.changed': "A product's impact changed (what changed, from → to).",
  'mitigation.added': 'A mitigation or fix was recorded.',
  'score.recorded':
    'A CVSS score was recorded (data.kind, data.product for an AVSS, data.vector, data.score, data.severity, data.rationale, data.previous).',
  'case.severity.changed': "The case's severity moved (data.from → data.to, with its basis: AVSS or VENDOR_BASE).",
  'cve.changed': 'A CVE was requested, reserved, published or rejected.',
  'cve.services':
    'A call to CVE Services (reserve, publish, update, reject): queued, answered, or refused with its error.',
  'cert.notified': 'A CERT was notified.',
  'message.sent': 'A message went to a reporter.',
  'advisory.created': 'An advisory was drafted (data.cases).',
  'advisory.changed': 'The draft changed (title, summary, TLP or cases).',
  'advisory.review.requested':
    'A revision went to the committee (data.revision, data.changelog); votes start from zero.',
  'advisory.vote.cast': 'A committee member voted or changed their vote (data.revision, data.decision, data.tally).',
  'advisory.decided': 'The committee decided on a revision (data.decision: APPROVED or REJECTED, data.tally).',
  'advisory.recalled': 'The PSIRT took a revision back to draft.',
  'advisory.published': 'Published (data.revision, data.basis, data.early; data.scheduled when released at its time).',
  'advisory.scheduled': 'Scheduled for release at data.at (the embargo), by the server.',
  'advisory.release.refused': 'The scheduled release was refused at its time (data.reason); it is unscheduled.',
  'advisory.withdrawn': 'Withdrawn by an admin (data.reason).',
  'advisory.superseded': 'Replaced by another advisory (data.by).',
  'message.received': 'A reporter wrote.',
  'cra.prompted':
    'Evidence that the case may be actively exploited (data.evidence, data.detail): decide whether a CRA Art. 14 notification is due.',
  'cra.prompt.dismissed': 'The PSIRT judged the evidence no reason to notify (data.reason).',
  'cra.started':
    'A CRA Art. 14 notification started (data.kind, data.awareAt: when the manufacturer became aware, data.basis: why).',
  'cra.updated': 'What the case cannot say was completed on the notification (data.fields).',
  'cra.submitted':
    'A stage was submitted (data.stage, data.submittedAt, data.reference, data.sha256 of what was sent, data.late).',
  'cra.intermediate.requested': 'The CSIRT asked for an intermediate report (data.ordinal, data.dueAt).',
  'cra.reminder':
    'A stage falls due (data.threshold: H6 and H1 before, OVERDUE, then OVERDUE_1D… daily; data.stage, data.dueAt): reminded in Slack.',
  'reporter.key.received':
    'A reporter sent a public key by mail (data.accepted; data.fingerprint; data.reason when not taken).',
} as const;

export type TimelineEventType = keyof typeof TIMELINE_EVENT_TYPES;

/** "case.transitioned" → "CASE_TRANSITIONED" (GraphQL enum values cannot hold dots). */
export const timelineEnumValue = (type: string) =>
  type
    .replace(/[.]/g, '_')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toUpperCase();
