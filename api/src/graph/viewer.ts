import { builder } from '../builder.ts';
import { User } from './user.ts';

builder.queryField('viewer', (t) =>
  t.prismaField({
    type: User,
    nullable: true,
    description: 'The signed-in staff user, or null for an anonymous caller.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer.kind === 'user' ? ctx.db.user.findUnique({ ...query, where: { id: ctx.viewer.userId } }) : null,
  }),
);
