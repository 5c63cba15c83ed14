// Runs module workers on intervals. Each pass is bounded; a pass never overlaps itself on one
// instance, and workers coordinate across instances through the database.
import type { AppContext } from './context.js';
import type { JihuoModule, Worker } from './module.js';

export interface WorkerRunner { stop(): Promise<void> }

export function startWorkers(ctx: AppContext, modules: readonly JihuoModule[], extra: Worker[] = []): WorkerRunner {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<void>>();
  let stopped = false;
  const workers = [...modules.flatMap((m) => m.workers ?? []), ...extra];
  for (const worker of workers) {
    let busy = false;
    const tick = () => {
      if (busy || stopped) return;
      busy = true;
      const pass = worker.run(ctx)
        .catch((err: unknown) => ctx.log.error({ err, worker: worker.name }, 'worker pass failed'))
        .finally(() => { busy = false; running.delete(pass); });
      running.add(pass);
    };
    timers.push(setInterval(tick, worker.intervalMs));
  }
  return {
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...running]);
    },
  };
}
