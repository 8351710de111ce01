/**
 * The background jobs of a server process, in one place: route modules (and the parts they wire) add their
 * jobs here instead of starting them; the server starts them all when it is ready and stops them all when it
 * closes (in reverse order), so every timer of `acd serve` / `acd demo` is started and stopped by the server.
 */
import type { Logger } from '../shared/log.js';

export interface BackgroundJob {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

export interface BackgroundJobs {
  /** adds a job (started with the others when the server is ready; at once when it is running already) */
  add(name: string, job: BackgroundJob): void;
  /** the jobs added, in order */
  names(): string[];
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createBackgroundJobs(logger: Logger): BackgroundJobs {
  const jobs: Array<{ name: string; job: BackgroundJob }> = [];
  let running = false;
  return {
    add(name, job) {
      if (jobs.some((j) => j.name === name)) throw new Error(`background job ${name} is added twice`);
      jobs.push({ name, job });
      if (running) void Promise.resolve(job.start()).catch((err: unknown) => logger.error({ err, job: name }, 'background job failed to start'));
    },
    names: () => jobs.map((j) => j.name),
    async start() {
      if (running) return;
      running = true;
      for (const { job } of jobs) await job.start();
      logger.debug({ jobs: jobs.map((j) => j.name) }, 'background jobs started');
    },
    async stop() {
      if (!running) return;
      running = false;
      for (const { name, job } of [...jobs].reverse()) {
        try {
          await job.stop();
        } catch (err) {
          logger.error({ err, job: name }, 'background job failed to stop');
        }
      }
    },
  };
}
