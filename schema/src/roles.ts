/** Staff roles, as the PSIRT process names them. */
export const ROLES = [
  'ADMIN',
  'ANALYST',
  'PRODUCT_SECURITY_PRIME',
  'PRODUCT_SECURITY_SPECIALIST',
  'COMMITTEE_MEMBER',
  'AUDITOR',
  'INTEGRATOR',
  'CHAT_OPS',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_DESCRIPTIONS: Record<Role, string> = {
  ADMIN: 'Administers the platform: users, tokens, configuration, policy exceptions.',
  ANALYST: 'PSIRT analyst: triages reports, runs cases, talks to reporters.',
  PRODUCT_SECURITY_PRIME: "Product Security Prime (PSP): accountable for a product line's response.",
  PRODUCT_SECURITY_SPECIALIST: 'Product Security Specialist (PSS): analyses impact on a product line.',
  COMMITTEE_MEMBER: 'Security Advisories Committee: reviews and votes on advisories.',
  AUDITOR: 'Reads everything, changes nothing; reviews the audit log.',
  INTEGRATOR:
    'A machine client: submits reports on behalf of reporters and reads case status, without confidential fields.',
  CHAT_OPS:
    'The Slack bot’s service account: acts as the staff user linked to a Slack user (X-Psirt-Slack-User), with that user’s roles; nothing of its own.',
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
