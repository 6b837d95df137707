import { Migration } from '@mikro-orm/migrations';
import { INITIAL_MIGRATION, type MigrationEntry, migrationsFor } from '../../src/index.js';

/** Adds a column and an index to companies; reverts cleanly. */
class AddCompanyNote extends Migration {
  override up(): void {
    this.addSql('alter table companies add column note text null');
    this.addSql('create index companies_note_index on companies (note)');
  }
  override down(): void {
    this.addSql('drop index companies_note_index');
    this.addSql('alter table companies drop column note');
  }
}

/** Creates a table, then fails: the table must not survive the run. */
class FailsHalfway extends Migration {
  override up(): void {
    this.addSql('create table half_done (id integer primary key)');
    this.addSql('select * from table_that_does_not_exist');
  }
}

/**
 * SQLite-only: rebuilds the parent table `companies` the way SQLite migrations must
 * (create, copy, drop, rename). With foreign keys on, the DROP would cascade-delete users.
 */
class RebuildCompanies extends Migration {
  override up(): void {
    this.addSql(
      `create table companies_new (id integer not null primary key autoincrement, name text not null,
        invite_token text not null, settings json not null default '{}',
        created_at datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), extra text null)`,
    );
    this.addSql(
      'insert into companies_new (id, name, invite_token, settings, created_at) select id, name, invite_token, settings, created_at from companies',
    );
    this.addSql('drop table companies');
    this.addSql('alter table companies_new rename to companies');
    this.addSql('create unique index companies_invite_token_unique on companies (invite_token)');
  }
}

/** SQLite-only: leaves users pointing at a company that is gone; the run must refuse to commit. */
class OrphanUsers extends Migration {
  override up(): void {
    this.addSql('delete from companies');
  }
}

// Numbered after the bundled migrations (0001, 0002), which withExtra puts first.
export const ADD_NOTE = '0004_add_company_note';
export const FAILS = '0005_fails_halfway';

export function withExtra(dialect: 'sqlite' | 'postgresql', ...extra: MigrationEntry[]): MigrationEntry[] {
  return [...migrationsFor(dialect), ...extra];
}
export const addNote: MigrationEntry = { name: ADD_NOTE, class: AddCompanyNote };
export const failsHalfway: MigrationEntry = { name: FAILS, class: FailsHalfway };
export const rebuildCompanies: MigrationEntry = { name: '0004_rebuild_companies', class: RebuildCompanies };
export const orphanUsers: MigrationEntry = { name: '0004_orphan_users', class: OrphanUsers };
export { INITIAL_MIGRATION };
