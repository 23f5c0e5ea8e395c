// The need-to-know matrix's machinery: who the rules admit (the table in
// api/src/need-to-know.ts, evaluated for a viewer and a record's facts), the
// probes the schema offers for a record (node, nodes in both orders, each
// field, one level into what a field returns), and what an answer shows: the
// value, a refusal, or a leak.
import { type Audience, type FieldRule, ruleFields, TYPE_RULES, type TypeRule } from '@psirt/api';
import {
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from 'graphql';
import type { Facts } from './facts.ts';
import type { Viewer } from './world.ts';

/** Codes that mean "you may not": the refusal forms, never carrying data. */
export const DENIED = new Set(['FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED']);

export interface Membership {
  cases: Map<string, Set<string>>;
  lines: Map<string, Set<string>>;
}

export interface Judge {
  /** Does `audiences` admit this viewer for a record with these facts? */
  admits(audiences: readonly Audience[], viewer: Viewer, facts: Facts | null): Promise<boolean>;
  /** May the viewer read the record at all (its type's rule)? */
  readable(viewer: Viewer, facts: Facts): Promise<boolean>;
}

export function judge(membership: Membership, factsOf: (id: string) => Promise<Facts>): Judge {
  const self: Judge = {
    async admits(audiences, v, facts) {
      for (const a of audiences) {
        if (typeof a !== 'string') {
          if (facts?.conditions[a.when] && (await self.admits(a.who, v, facts))) return true;
          continue;
        }
        switch (a) {
          case 'anyone':
            return true;
          case 'staff':
            if (v.kind === 'user') return true;
            break;
          case 'anonymous':
            if (v.kind === 'anonymous') return true;
            break;
          case 'reporters':
            if (v.kind === 'reporter') return true;
            break;
          case 'CHAT_OPS':
            if (v.botAlone) return true;
            break;
          case 'case team':
            if (v.userId && facts?.caseId && membership.cases.get(v.userId)?.has(facts.caseId)) return true;
            break;
          case 'line staff':
            if (v.userId && facts?.lineIds?.some((l) => membership.lines.get(v.userId as string)?.has(l))) return true;
            break;
          case 'its reporter':
            if (v.kind === 'reporter' && facts?.reporterId && v.reporterId === facts.reporterId) return true;
            break;
          case 'its submitter':
            if (v.userId && facts?.submitterId === v.userId) return true;
            break;
          case 'readers of its record':
            if (facts?.owner && (await self.readable(v, await factsOf(facts.owner)))) return true;
            break;
          default:
            if (v.kind === 'user' && !v.botAlone && v.roles.includes(a)) return true;
        }
      }
      return false;
    },
    async readable(v, facts) {
      const rule = TYPE_RULES[facts.type];
      if (!rule || rule.read === 'parent') throw new Error(`${facts.type} has no rule of its own`);
      return self.admits(rule.read, v, facts);
    },
  };
  return self;
}

/** The rule of a field (`same` resolved by the caller); throws for a field without one. */
export function fieldRule(type: string, field: string): { type: TypeRule; field: FieldRule } {
  const rule = TYPE_RULES[type];
  if (!rule) throw new Error(`no rule for type ${type}`);
  const f = ruleFields(rule).get(field);
  if (!f) throw new Error(`no rule for ${type}.${field}`);
  return { type: rule, field: f };
}

const unwrap = (t: GraphQLOutputType): { named: GraphQLNamedType; list: boolean } => {
  let list = false;
  let x: GraphQLOutputType = t;
  for (;;) {
    if (isNonNullType(x)) x = x.ofType;
    else if (isListType(x)) {
      list = true;
      x = x.ofType;
    } else break;
  }
  return { named: x as GraphQLNamedType, list };
};

export const isNodeType = (_schema: GraphQLSchema, t: GraphQLNamedType) =>
  (isObjectType(t) && t.getInterfaces().some((i) => i.name === 'Node')) || t.name === 'Node';

/** The arguments a field is probed with: its required ones need a value from the test. */
export function requiredArgs(field: GraphQLField<unknown, unknown>) {
  return field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
}

/**
 * What to select under a field: nothing for a leaf, `{ id }` for a record,
 * and for a value without identity its fields one level deep (records as ids).
 */
export function selectionFor(schema: GraphQLSchema, type: GraphQLOutputType, depth = 0): string {
  const { named } = unwrap(type);
  if (isScalarType(named) || isEnumType(named)) return '';
  if (isNodeType(schema, named) || isInterfaceType(named) || isUnionType(named)) {
    return isUnionType(named) ? '{ __typename }' : '{ id }';
  }
  if (!isObjectType(named)) return '';
  if (depth >= 1) return '{ __typename }';
  const parts: string[] = ['__typename'];
  for (const f of Object.values(named.getFields())) {
    if (requiredArgs(f).length) continue;
    parts.push(`${f.name} ${selectionFor(schema, f.type, depth + 1)}`.trim());
  }
  return `{ ${parts.join(' ')} }`;
}

export const namedType = (type: GraphQLOutputType) => unwrap(type).named;
export const isListOf = (type: GraphQLOutputType) => unwrap(type).list;

/** Nothing shown: what a refusal may look like in place of a value. */
export const isEmpty = (v: unknown) =>
  v === null ||
  v === undefined ||
  (Array.isArray(v) && v.length === 0) ||
  (Array.isArray(v) && v.every((x) => x === null));

/** Every record id (`{ id }` objects) inside a value. */
export function idsIn(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) idsIn(x, out);
  else if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.id === 'string' && Object.keys(o).length === 1) out.push(o.id);
    else for (const x of Object.values(o)) idsIn(x, out);
  }
  return out;
}
