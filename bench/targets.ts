// The performance issue's targets, in one place for the bench's printouts and the README's tables.

/** Hot paths: library / competitor at most 1.0 against a peer (Kysely, Drizzle), 1.3 against a raw driver. */
export const PEER_TARGET = 1.0;
export const RAW_TARGET = 1.3;
/** Concurrency against a raw driver: throughput at least 0.9 of it, p99 latency at most 1.2 of it. */
export const THROUGHPUT_TARGET = 0.9;
export const P99_TARGET = 1.2;
/** Scale: the large data set's time at most 1.3 of the small one's. */
export const SCALE_TARGET = 1.3;
/** Start-up: at most 0.7 of a plain MikroORM init, at most 1.5 of Kysely. */
export const STARTUP_VS_INIT_TARGET = 0.7;
export const STARTUP_VS_KYSELY_TARGET = 1.5;

/** The hot-path target against `competitor` (a raw side's name starts with `raw-`). */
export function targetOf(competitor: string): number {
  return competitor.startsWith('raw-') ? RAW_TARGET : PEER_TARGET;
}
