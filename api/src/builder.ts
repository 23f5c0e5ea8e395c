// The Pothos schema builder: configuration only. Types live in graph/, one file each.
import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import ErrorsPlugin from '@pothos/plugin-errors';
import PrismaPlugin from '@pothos/plugin-prisma';
import RelayPlugin, { resolveNodes } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import SimpleObjectsPlugin from '@pothos/plugin-simple-objects';
import ValidationPlugin from '@pothos/plugin-validation';
import type PrismaTypes from '@psirt/db/pothos-types';
import { getDatamodel } from '@psirt/db/pothos-types';
import { DomainError, type Role } from '@psirt/schema';
import { type GraphQLField, getNamedType, isListType, isNonNullType } from 'graphql';
import { hasAnyRole, hasRole } from './auth.ts';
import type { Context } from './context.ts';
import { guardNode } from './graph/guards.ts';
import { DateTimeScalar, JsonScalar } from './scalars.ts';

export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  AuthScopes: {
    /** Any authenticated staff user. */
    staff: boolean;
    /** A staff user holding this role. */
    role: Role;
    /** A staff user holding at least one of these roles. */
    anyRole: readonly Role[];
  };
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [
    ScopeAuthPlugin,
    ComplexityPlugin,
    SimpleObjectsPlugin,
    PrismaPlugin,
    RelayPlugin,
    ErrorsPlugin,
    ValidationPlugin,
    DataloaderPlugin,
  ],
  // The cost of an operation, checked before any root field resolves (the
  // other operation limits are envelop plugins: server/limits.ts).
  complexity: {
    fieldComplexity: (args, _ctx, field) => listCost(args, field as unknown as GraphQLField<unknown, unknown>),
    limit: (ctx) => ({ complexity: ctx.limits.complexity }),
    complexityError: (_kind, r) =>
      new DomainError(
        'OPERATION_LIMIT',
        `The operation's estimated cost is ${r.complexity}, over the limit of ${r.maxComplexity}: ask for fewer items (first:) or fewer nested lists, or split it.`,
      ),
  },
  scopeAuth: {
    // Off, and it must stay off: a type's own rule (a case's need-to-know, a report's readers) is
    // checked in each of its fields, its answer cached per object for the request. On, scope-auth
    // would check it in isTypeOf, which graphql-jit (server/compiled.ts) calls with the value alone
    // and whose promise it takes for true.
    runScopesOnType: false,
    authScopes: (ctx) => ({
      staff: ctx.viewer.kind === 'user',
      role: (role) => hasRole(ctx.viewer, role),
      anyRole: (roles) => hasAnyRole(ctx.viewer, roles),
    }),
    // One typed error for every refusal: who you are is missing, or not enough.
    unauthorizedError: (_parent, ctx) =>
      ctx.viewer.kind === 'anonymous'
        ? new DomainError('UNAUTHENTICATED', 'Sign in: send "Authorization: Bearer <API token>".')
        : new DomainError('FORBIDDEN', 'Your roles do not allow this.'),
  },
  prisma: {
    client: (ctx) => ctx.db,
    dmmf: getDatamodel(),
    exposeDescriptions: true,
    filterConnectionTotalCount: true,
    onUnusedQuery: process.env.NODE_ENV === 'production' ? null : 'warn',
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    // node(id:)/nodes(ids:) ask each type's guard first (graph/guards.ts): a
    // record the viewer may not read is answered exactly like a missing one.
    nodeQueryOptions: {
      resolve: async (_root, { id }, ctx, _info, resolveNode) => ((await guardNode(ctx, id)) ? resolveNode(id) : null),
    },
    // Pothos's own callback resolves every requested id whatever it is given
    // (it closes over the arguments), so nodes(ids:) calls the relay plugin's
    // resolveNodes itself, with the ids the viewer may not read taken out: a
    // refused id is never even loaded, and each slot holds its own id's record.
    nodesQueryOptions: {
      resolve: async (_root, { ids }, ctx, info): Promise<unknown[]> => {
        const readable = await Promise.all(ids.map(async (id) => ((await guardNode(ctx, id)) ? id : null)));
        return resolveNodes(self, ctx, info, readable);
      },
    },
  },
  errors: {
    defaultTypes: [],
  },
  validation: {
    validationError: (failure) =>
      new DomainError(
        'VALIDATION',
        failure.issues
          .map((i) => {
            const where = i.path?.map((p) => (typeof p === 'object' ? p.key : p)).join('.');
            return where ? `'${where}' is invalid: ${i.message}` : i.message;
          })
          .join('; '),
      ),
  },
});

// The relay plugin's resolveNodes wants the builder; named apart so its type does not refer to itself.
const self = builder as unknown as Parameters<typeof resolveNodes>[0];

builder.addScalarType('DateTime', DateTimeScalar);
builder.addScalarType('JSON', JsonScalar);
builder.queryType({});
builder.mutationType({});

/**
 * A field costs 1. A connection's selections cost `first` (or `last`, or the
 * default page of 20) times theirs; its `edges` and `nodes` lists add no
 * second multiplier. Any other list multiplies its selections by 10.
 */
function listCost(args: Record<string, unknown>, field: GraphQLField<unknown, unknown>) {
  const page = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : null;
  if (page !== null) return { field: 1, multiplier: Math.max(1, page) };
  if (Array.isArray(args.ids)) return { field: 1, multiplier: Math.max(1, args.ids.length) };
  if (getNamedType(field.type).name.endsWith('Connection')) return { field: 1, multiplier: 20 };
  const type = isNonNullType(field.type) ? field.type.ofType : field.type;
  if (!isListType(type)) return 1;
  if (field.name === 'edges' || field.name === 'nodes') return { field: 1, multiplier: 1 };
  return { field: 1, multiplier: 10 };
}
