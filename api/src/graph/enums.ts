import { CreditPreference, ProductLineRole, ReporterKind } from '@psirt/db';
import { ROLE_DESCRIPTIONS, ROLES } from '@psirt/schema';
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
