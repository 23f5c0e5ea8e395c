import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../graph/index.ts';
import { SQL_TYPES } from './catalogue.ts';

// The read path selects only the columns a query asks for. A field that is
// neither a column nor listed in `needs` would read nothing and resolve to
// null or fail for some queries and not others: this test fails first.
describe('the read catalogue', () => {
  for (const type of SQL_TYPES) {
    it(`knows what every field of ${type.name} reads`, () => {
      const gql = schema.getType(type.name);
      expect(isObjectType(gql), `${type.name} is an object type of the schema`).toBe(true);
      if (!isObjectType(gql)) return;
      const unknown = Object.keys(gql.getFields()).filter(
        (f) => !type.columns.has(f) && !(f in type.needs) && f !== 'id',
      );
      expect(unknown, `fields of ${type.name} that are neither a column nor in its \`needs\``).toEqual([]);
      for (const [field, columns] of Object.entries(type.needs)) {
        expect(gql.getFields()[field], `${type.name}.${field} in \`needs\` is a field`).toBeDefined();
        for (const c of columns) expect(type.columns.has(c), `${type.name}.${field} needs column ${c}`).toBe(true);
      }
      for (const c of type.always) expect(type.columns.has(c), `${type.name} always reads column ${c}`).toBe(true);
      for (const [field, join] of Object.entries(type.joins)) {
        expect(type.columns.has(join.from), `${type.name}.${field} joins on column ${join.from}`).toBe(true);
        expect(field in type.needs, `${type.name}.${field} is joined and listed in needs`).toBe(true);
      }
    });
  }
});
