// A plugin as a third party would write one, loaded by the tests through
// PSIRT_PLUGINS (by path here; by package name in production).
import { definePlugin, UsageError } from '@psirt/plugin-sdk';

export const heard: { type: string; publicId: string }[] = [];

/** `/psirt wait`: work that holds until the test opens the gate, counting how many wait at once. */
export const gate = {
  running: 0,
  most: 0,
  open: () => {},
  opened: Promise.resolve(),
  close() {
    this.opened = new Promise<void>((resolve) => {
      this.open = resolve;
    });
  },
};

export default definePlugin({
  name: 'hello-plugin',
  commands: [
    {
      name: 'wait',
      usage: '',
      description: 'Waits for the test to let it finish.',
      async run(ctx) {
        gate.running += 1;
        gate.most = Math.max(gate.most, gate.running);
        await gate.opened;
        gate.running -= 1;
        await ctx.respond('done');
      },
    },
    {
      name: 'hello',
      usage: '<VAR>',
      description: 'Greets a case by its title.',
      async run(ctx) {
        const id = ctx.args[0];
        if (!id) throw new UsageError('which case?');
        const { case: c } = await ctx.api.gql<{ case: { title: string } | null }>(
          'query($id: String!) { case(publicId: $id) { title } }',
          { id },
        );
        await ctx.respond(c ? `Hello, ${c.title}!` : `No case ${id}, or not one you may see.`);
      },
    },
  ],
  reactions: [
    {
      on: 'advisory',
      async run(event) {
        if (event.kind === 'advisory') heard.push({ type: event.type, publicId: event.publicId });
      },
    },
  ],
});
