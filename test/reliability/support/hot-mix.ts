// The hot mix of the fault tests: workers that keep calling create-with-steps, list,
// get-with-steps, record-run and dedupe while the test breaks the database under them. Every call
// is tracked from start to settlement, so a test can assert that none was left hanging, that each
// failure is the error it should be, and when calls began to succeed again after a fault.
import { type Database, dedupeScreenshot } from '../../../src/index.js';
import { pngHeader } from '../../services/image-fixtures.js';
import { type SeededCompany, stepInput } from '../../tenant/fixtures.js';

/** One call of the mix, from its start to its settlement. */
export interface TrackedCall {
  kind: 'create' | 'list' | 'get' | 'record' | 'dedupe';
  startedAt: number;
  settledAt?: number;
  ok?: boolean;
  error?: unknown;
}

/** A running mix; see {@link startHotMix}. */
export interface HotMix {
  readonly calls: TrackedCall[];
  /** Ids of the workflows whose create call succeeded. */
  readonly created: number[];
  /** Resolves with the time of the first success of a call started at or after `since`; rejects after `boundMs`. */
  successAfter(since: number, boundMs: number): Promise<number>;
  /** Resolves when a call started at or after `since` fails with a message matching `pattern`; rejects after `boundMs`. */
  failureAfter(since: number, pattern: RegExp, boundMs: number): Promise<void>;
  /** Stops the workers and resolves when every call has settled, or rejects after `boundMs` with the pending ones. */
  stop(boundMs: number): Promise<void>;
}

const STEPS_PER_WORKFLOW = 2;

export { STEPS_PER_WORKFLOW };

/**
 * Starts `workers` workers on `db`, each running the mix in a loop until {@link HotMix.stop}. A
 * failed call makes its worker pause 50 ms (pacing, so a server that is down is not hammered in a
 * tight loop; no assertion depends on it).
 */
export function startHotMix(db: Database, company: SeededCompany, workers: number): HotMix {
  const calls: TrackedCall[] = [];
  const created: number[] = [];
  const pending = new Set<Promise<unknown>>();
  const waiters: { since: number; resolve: (at: number) => void }[] = [];
  const failureWaiters: { since: number; pattern: RegExp; resolve: () => void }[] = [];
  const images = [pngHeader(10, 10), pngHeader(11, 10), pngHeader(12, 10)];
  let stopped = false;

  const track = async <T>(kind: TrackedCall['kind'], work: () => Promise<T>): Promise<T | undefined> => {
    const call: TrackedCall = { kind, startedAt: performance.now() };
    calls.push(call);
    const promise = work();
    pending.add(promise);
    try {
      const value = await promise;
      call.ok = true;
      return value;
    } catch (error) {
      call.ok = false;
      call.error = error;
      return undefined;
    } finally {
      call.settledAt = performance.now();
      pending.delete(promise);
      if (call.ok) {
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (call.startedAt >= waiters[i].since) waiters.splice(i, 1)[0].resolve(call.settledAt);
        }
      } else {
        const message = String((call.error as Error)?.message);
        for (let i = failureWaiters.length - 1; i >= 0; i--) {
          const w = failureWaiters[i];
          if (call.startedAt >= w.since && w.pattern.test(message)) failureWaiters.splice(i, 1)[0].resolve();
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  };

  const worker = async (w: number) => {
    const t = db.forCompany(company.companyId);
    for (let round = 0; !stopped; round++) {
      const wf = await track('create', () =>
        t.workflows.create({
          name: `w${w}-${round}`,
          startingUrl: 'https://x.test',
          steps: [stepInput(), stepInput({ actionType: 'submit' })],
        }),
      );
      if (wf !== undefined) created.push(wf.id);
      if (stopped) break;
      await track('list', () => t.workflows.list({ limit: 20 }));
      if (created.length === 0 || stopped) continue;
      const target = created[(w * 7 + round) % created.length];
      await track('get', () => t.workflows.getWithSteps(target));
      if (stopped) break;
      await track('record', () =>
        t.healthLogs.record({
          workflowId: target,
          userId: company.userId,
          status: round % 3 === 0 ? 'failed' : 'success',
        }),
      );
      if (stopped) break;
      await track('dedupe', () =>
        dedupeScreenshot(db, {
          companyId: company.companyId,
          workflowId: target,
          content: images[(w + round) % images.length],
        }),
      );
    }
  };
  const running = Array.from({ length: workers }, (_, w) => worker(w));

  return {
    calls,
    created,
    successAfter(since, boundMs) {
      return new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => {
          const at = waiters.indexOf(waiter);
          if (at >= 0) waiters.splice(at, 1);
          reject(new Error(`no call started after the fault succeeded within ${boundMs} ms`));
        }, boundMs);
        const waiter = {
          since,
          resolve: (at: number) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
        waiters.push(waiter);
      });
    },
    failureAfter(since, pattern, boundMs) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          const at = failureWaiters.indexOf(waiter);
          if (at >= 0) failureWaiters.splice(at, 1);
          reject(new Error(`no call failed with ${pattern} within ${boundMs} ms`));
        }, boundMs);
        const waiter = {
          since,
          pattern,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        failureWaiters.push(waiter);
      });
    },
    async stop(boundMs) {
      stopped = true;
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), boundMs);
      });
      const outcome = await Promise.race([Promise.allSettled(running).then(() => 'done' as const), bound]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        const hanging = calls.filter((c) => c.settledAt === undefined).map((c) => c.kind);
        throw new Error(`${pending.size} call(s) still pending after ${boundMs} ms: ${hanging.join(', ')}`);
      }
    },
  };
}
