import { envelop, useEngine, useSchema } from '@envelop/core';
import {
  execute,
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  isObjectType,
  parse,
  specifiedRules,
  subscribe,
  validate,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema as psirtSchema } from '../graph/index.ts';
import { useCompiledQueries } from './compiled.ts';

function engine(options: Parameters<typeof useCompiledQueries>[0] = {}) {
  const compiled: (string | undefined)[] = [];
  let bumps = 0;
  let releaseSlow: () => void = () => {};
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        hello: {
          type: GraphQLString,
          args: { n: { type: new GraphQLNonNull(GraphQLInt) } },
          resolve: (_, { n }) => `hello ${n}`,
        },
        slow: {
          type: GraphQLString,
          resolve: () =>
            new Promise<string>((resolve) => {
              releaseSlow = () => resolve('done');
            }),
        },
      },
    }),
    mutation: new GraphQLObjectType({
      name: 'Mutation',
      fields: { bump: { type: GraphQLInt, resolve: () => ++bumps } },
    }),
  });
  const rootValue = {};
  const getEnveloped = envelop({
    plugins: [
      useEngine({ parse, validate, specifiedRules, execute, subscribe }),
      useSchema(schema),
      useCompiledQueries({ ...options, onCompile: (name) => compiled.push(name) }),
    ],
  });
  const run = async (
    source: string,
    variableValues: Record<string, unknown> = {},
    signal?: AbortSignal,
    operationName?: string,
  ) => {
    const { parse: p, execute: e, contextFactory, schema: s } = getEnveloped();
    const document = p(source);
    const contextValue = await contextFactory();
    return e({ schema: s, document, operationName, rootValue, contextValue, variableValues, signal } as never);
  };
  return { run, compiled, release: () => releaseSlow() };
}

describe('compiled queries', () => {
  it('compiles a query the second time it runs, with the same answer', async () => {
    const { run, compiled } = engine();
    const q = 'query Hi($n: Int!) { hello(n: $n) }';
    const first = await run(q, { n: 1 });
    expect(compiled).toEqual([]);
    const second = await run(q, { n: 1 });
    expect(compiled).toEqual(['Hi']);
    expect(second).toEqual(first);
    await run(q, { n: 2 });
    expect(compiled).toEqual(['Hi']);
  });

  it('compiles each operation of a document for itself', async () => {
    const { run, compiled } = engine({ compileAfter: 1 });
    const doc = 'query A { a: hello(n: 1) } query B { b: hello(n: 2) }';
    const runAs = (operationName: string) => run(doc, {}, undefined, operationName);
    expect(await runAs('A')).toEqual({ data: { a: 'hello 1' } });
    expect(await runAs('B')).toEqual({ data: { b: 'hello 2' } });
    expect(await runAs('A')).toEqual({ data: { a: 'hello 1' } });
    expect(compiled).toEqual(['A', 'B']);
  });

  it('keeps at most `max` compiled documents, the least recently used going first', async () => {
    const { run, compiled } = engine({ max: 2, compileAfter: 1 });
    for (const name of ['A', 'B', 'A', 'C', 'A', 'B']) await run(`query ${name} { hello(n: 1) }`);
    // B was evicted by C (A was used since), then compiled again.
    expect(compiled).toEqual(['A', 'B', 'C', 'B']);
  });

  it('refuses a bad variable with graphql-js’s own message, naming the variable', async () => {
    const { run, compiled } = engine({ compileAfter: 1 });
    const interpreted = await engine().run('query Hi($n: Int!) { hello(n: $n) }', { n: 'x' });
    const result = await run('query Hi($n: Int!) { hello(n: $n) }', { n: 'x' });
    expect(compiled).toEqual(['Hi']);
    expect(result).toEqual(interpreted);
    expect(JSON.stringify(result)).toContain('$n');
  });

  it('never compiles mutations', async () => {
    const { run, compiled } = engine({ compileAfter: 1 });
    for (let i = 0; i < 3; i++) await run('mutation M { bump }');
    expect(compiled).toEqual([]);
  });

  it('ends a compiled query when its time budget aborts it', async () => {
    const { run, compiled, release } = engine({ compileAfter: 1 });
    const budget = new AbortController();
    const running = run('query Slow { slow }', {}, budget.signal);
    budget.abort(new Error('over budget'));
    await expect(running).rejects.toThrow('over budget');
    expect(compiled).toEqual(['Slow']);
    release();
  });

  it('runs on a schema where no object type has isTypeOf (graphql-jit would call it with the value alone)', () => {
    const withIsTypeOf = Object.values(psirtSchema.getTypeMap())
      .filter((t) => isObjectType(t) && t.isTypeOf)
      .map((t) => t.name);
    expect(withIsTypeOf).toEqual([]);
  });
});
