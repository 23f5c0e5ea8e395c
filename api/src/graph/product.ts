import { builder } from '../builder.ts';
import { isStaff, readableBy } from './visibility.ts';

export const ProductLine = builder.prismaNode('ProductLine', {
  description: 'A product line: a family of products with its own security prime and specialists.',
  ...readableBy(isStaff),
  fields: (t) => ({
    key: t.exposeString('key', { description: 'Short stable handle, e.g. "grid-automation".' }),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    markets: t.exposeStringList('markets', {
      description: 'EU Member States where its products are made available (CRA), unless a product says otherwise.',
    }),
    products: t.relation('products', { query: { orderBy: { name: 'asc' } } }),
    members: t.relation('members', { description: 'Its Product Security Primes and Specialists.' }),
  }),
});

export const Product = builder.prismaNode('Product', {
  description: 'A product the vendor ships (and the PSIRT answers for).',
  ...readableBy(isStaff),
  fields: (t) => ({
    key: t.exposeString('key'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    cpe: t.exposeString('cpe', { nullable: true, description: 'CPE 2.3 name (without version).' }),
    purl: t.exposeString('purl', { nullable: true, description: 'Package URL (without version).' }),
    markets: t.exposeStringList('markets', {
      description: "EU Member States where it is made available (CRA); empty: its product line's.",
    }),
    productLine: t.relation('productLine'),
    versions: t.relation('versions', { query: { orderBy: { version: 'asc' } } }),
  }),
});

export const ProductVersion = builder.prismaNode('ProductVersion', {
  description: 'A released version of a product.',
  ...readableBy(isStaff),
  fields: (t) => ({
    version: t.exposeString('version'),
    releasedAt: t.expose('releasedAt', { type: 'DateTime', nullable: true }),
    endOfSupport: t.expose('endOfSupport', { type: 'DateTime', nullable: true }),
  }),
});

builder.queryFields((t) => ({
  productLines: t.prismaField({
    type: [ProductLine],
    description: 'All product lines, by name.',
    authScopes: { staff: true },
    resolve: (query, _root, _args, ctx) => ctx.db.productLine.findMany({ ...query, orderBy: { name: 'asc' } }),
  }),
  products: t.prismaConnection({
    type: Product,
    cursor: 'id',
    description: 'Products, by name; optionally those of one product line (by key).',
    authScopes: { staff: true },
    args: { productLine: t.arg.string({ required: false, description: 'A product line key.' }) },
    resolve: (query, _root, args, ctx) =>
      ctx.db.product.findMany({
        ...query,
        where: args.productLine ? { productLine: { key: args.productLine } } : {},
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
      }),
  }),
}));
