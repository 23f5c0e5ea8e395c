// What an operation asks of an object type at one place: the field names under
// a field returning it (a list, one object, or a connection's edges.node and
// nodes), fragments and @skip/@include applied as graphql-js applies them.
import {
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  getNamedType,
  isObjectType,
} from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields.js';

/** One field asked for: its name and the nodes that ask (their own sub-selections). */
export interface Asked {
  type: GraphQLObjectType;
  fields: Map<string, readonly FieldNode[]>;
}

/**
 * The fields asked of the object type a resolver returns; for a `connection`,
 * of its items (under `edges.node` and under `nodes`, merged). Memoised per
 * request and field nodes: the resolvers of a list's items share their field
 * nodes, so fifty cases ask this once.
 */
export function askedOf(info: GraphQLResolveInfo, memo: WeakMap<object, Asked>, connection = false): Asked {
  const hit = memo.get(info.fieldNodes);
  if (hit) return hit;
  const asked = connection
    ? merge([
        ...sub(info, info.returnType, info.fieldNodes, 'edges', 'node'),
        ...sub(info, info.returnType, info.fieldNodes, 'nodes'),
      ])
    : collect(info, info.returnType, info.fieldNodes);
  memo.set(info.fieldNodes, asked);
  return asked;
}

/** The fields asked of the object under one field of an `Asked` (a joined relation's target). */
export function askedUnder(info: GraphQLResolveInfo, parent: Asked, field: string): Asked | undefined {
  const nodes = parent.fields.get(field);
  if (!nodes) return undefined;
  const def = parent.type.getFields()[field];
  return def ? collect(info, def.type, nodes) : undefined;
}

function collect(info: GraphQLResolveInfo, type: GraphQLOutputType, nodes: readonly FieldNode[]): Asked {
  const named = getNamedType(type);
  if (!isObjectType(named)) throw new Error(`askedOf: ${named.name} is not an object type`);
  const fields = collectSubfields(info.schema, info.fragments, info.variableValues, named, nodes);
  return { type: named, fields };
}

function sub(info: GraphQLResolveInfo, type: GraphQLOutputType, nodes: readonly FieldNode[], ...path: string[]) {
  let asked = collect(info, type, nodes);
  for (const name of path) {
    const under = askedUnder(info, asked, name);
    if (!under) return [];
    asked = under;
  }
  return [asked];
}

function merge(all: Asked[]): Asked {
  const [first, ...rest] = all;
  if (!first) return { type: undefined as never, fields: new Map() };
  const fields = new Map(first.fields);
  for (const a of rest) for (const [k, v] of a.fields) fields.set(k, [...(fields.get(k) ?? []), ...v]);
  return { type: first.type, fields };
}
