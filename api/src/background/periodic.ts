export interface Job {
  start(): void;
  stop(): Promise<void>;
}

/**
 * Background work on a timer, run at start too: never two runs at once, none
 * after draining begins, a failure logged and retried at the next tick.
 * An interval of 0 turns it off.
 */
export function periodic(
  o: { log: { error(obj: object, msg: string): void }; draining: () => boolean },
  name: string,
  every: number,
  task: () => Promise<unknown>,
): Job {
  let running: Promise<unknown> | null = null;
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    if (running || o.draining()) return;
    running = task()
      .catch((error) => o.log.error({ err: error }, `${name} failed; retrying at the next tick`))
      .finally(() => {
        running = null;
      });
  };
  return {
    start() {
      if (every <= 0) return;
      tick();
      timer = setInterval(tick, every);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
