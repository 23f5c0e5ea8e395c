import { setPriority } from 'node:os';

/**
 * Lowers the CPU priority of the calling worker thread, so that under load
 * the API's event loop gets the CPU first and mail waits: intake is
 * background work, a second late, while a request is a person waiting. On
 * Linux the nice value belongs to a thread (setpriority(2) with who=0 is the
 * calling thread under NPTL); elsewhere it would lower the whole process, so
 * nothing is changed there.
 */
export function runBehindTheApi(): void {
  if (process.platform !== 'linux') return;
  try {
    setPriority(10);
  } catch {
    // Lowering one's own priority needs no privilege; a sandbox may forbid it all the same.
  }
}
