import { isUuid, NIL_UUID } from '@psirt/schema';
import { builder } from '../builder.ts';
import { ProductLineRoleEnum, RoleEnum } from './enums.ts';
import { isStaff, readableBy } from './visibility.ts';

export const User = builder.prismaNode('User', {
  description: 'A PSIRT staff member.',
  ...readableBy(isStaff),
  fields: (t) => ({
    email: t.exposeString('email'),
    name: t.exposeString('name'),
    roles: t.field({ type: [RoleEnum], resolve: (u) => u.roles }),
    slackUserId: t.exposeString('slackUserId', { nullable: true }),
    disabled: t.boolean({ resolve: (u) => u.disabledAt !== null }),
    productLines: t.relation('productLines', { description: 'Product lines this user is PSP or PSS of.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

export const ProductLineMembership = builder.prismaNode('ProductLineMember', {
  description: "A user's role (PSP or PSS) in a product line.",
  // A compound key: the node id carries "<productLineId>:<userId>:<role>".
  id: { resolve: (m) => `${m.productLineId}:${m.userId}:${m.role}` },
  nullable: true,
  findUnique: (id, ctx) => {
    const [productLineId = '', userId = '', role = ''] = id.split(':');
    const ok = isStaff(ctx) && isUuid(productLineId) && isUuid(userId) && (role === 'PRIME' || role === 'SPECIALIST');
    return {
      productLineId_userId_role: ok
        ? { productLineId, userId, role: role as 'PRIME' | 'SPECIALIST' }
        : { productLineId: NIL_UUID, userId: NIL_UUID, role: 'PRIME' as const },
    };
  },
  authScopes: (_p, ctx) => isStaff(ctx),
  fields: (t) => ({
    role: t.expose('role', { type: ProductLineRoleEnum }),
    user: t.relation('user'),
    productLine: t.relation('productLine'),
  }),
});
