import { Migration } from '@mikro-orm/migrations';

/**
 * Revision 0acd3e6b9445 of the Python backend ("initial schema with all core tables") on
 * PostgreSQL, with the changes of the port: `company_id` on steps and health_logs, screenshots
 * unique per (company_id, hash), one unique index per unique column, an index leading with
 * every foreign-key column, enums enforced by CHECK constraints, AUTOINCREMENT ids on SQLite,
 * ISO-8601 UTC timestamp defaults on SQLite, and case-insensitive unique emails.
 *
 * @example
 * migrationsFor('postgresql') // [{ name: '…', class: InitialSchemaPostgresql }, …]
 */
export class InitialSchemaPostgresql extends Migration {
  override up(): void {
    this.addSql(
      'create table "companies" ("id" serial primary key, "name" text not null, "invite_token" text not null, "settings" jsonb not null default \'{}\', "created_at" timestamptz not null default current_timestamp)',
    );
    this.addSql('alter table "companies" add constraint "companies_invite_token_unique" unique ("invite_token")');
    this.addSql(
      'create table "users" ("id" serial primary key, "company_id" int not null, "email" text not null, "password_hash" text not null, "name" text null, "role" text check ("role" in (\'admin\', \'regular\')) not null, "created_at" timestamptz not null default current_timestamp, "last_login_at" timestamptz null)',
    );
    this.addSql('create index "users_company_id_index" on "users" ("company_id")');
    this.addSql('alter table "users" add constraint "users_email_unique" unique ("email")');
    this.addSql('create unique index users_email_lower_unique on users (lower(email))');
    this.addSql(
      'create table "workflows" ("id" serial primary key, "company_id" int not null, "created_by" int null, "name" text not null, "description" text null, "starting_url" text not null, "tags" jsonb not null default \'[]\', "status" text check ("status" in (\'draft\', \'processing\', \'active\', \'needs_review\', \'broken\', \'archived\')) not null default \'draft\', "success_rate" double precision not null default 0, "total_uses" int not null default 0, "consecutive_failures" int not null default 0, "created_at" timestamptz not null default current_timestamp, "updated_at" timestamptz not null default current_timestamp, "last_successful_run" timestamptz null, "last_failed_run" timestamptz null)',
    );
    this.addSql('create index "workflows_created_by_index" on "workflows" ("created_by")');
    this.addSql('create index "workflows_status_index" on "workflows" ("status")');
    this.addSql(
      'create index "workflows_company_id_created_at_id_index" on "workflows" ("company_id", "created_at", "id")',
    );
    this.addSql(
      'create index "workflows_company_id_status_created_at_index" on "workflows" ("company_id", "status", "created_at")',
    );
    this.addSql(
      'create table "screenshots" ("id" serial primary key, "company_id" int not null, "workflow_id" int not null, "hash" text not null, "storage_key" text not null, "storage_url" text not null, "file_size" int null, "width" int null, "height" int null, "format" text not null default \'jpeg\', "created_at" timestamptz not null default current_timestamp)',
    );
    this.addSql('create index "screenshots_workflow_id_index" on "screenshots" ("workflow_id")');
    this.addSql(
      'alter table "screenshots" add constraint "screenshots_company_id_hash_unique" unique ("company_id", "hash")',
    );
    this.addSql(
      'create table "steps" ("id" serial primary key, "company_id" int not null, "workflow_id" int not null, "screenshot_id" int null, "edited_by" int null, "step_number" int not null, "timestamp" text null, "action_type" text not null, "selectors" jsonb not null, "element_meta" jsonb not null, "page_context" jsonb not null, "action_data" jsonb null, "dom_context" jsonb null, "field_label" text null, "instruction" text null, "ai_confidence" double precision null, "ai_model" text null, "ai_generated_at" timestamptz null, "label_edited" boolean not null default false, "instruction_edited" boolean not null default false, "edited_at" timestamptz null, "healed_selectors" jsonb null, "healed_at" timestamptz null, "healing_confidence" double precision null, "healing_method" text null, "created_at" timestamptz not null default current_timestamp)',
    );
    this.addSql('create index "steps_company_id_index" on "steps" ("company_id")');
    this.addSql('create index "steps_screenshot_id_index" on "steps" ("screenshot_id")');
    this.addSql('create index "steps_edited_by_index" on "steps" ("edited_by")');
    this.addSql(
      'alter table "steps" add constraint "steps_workflow_id_step_number_unique" unique ("workflow_id", "step_number")',
    );
    this.addSql(
      'create table "notifications" ("id" serial primary key, "company_id" int not null, "workflow_id" int null, "read_by" int null, "type" text not null, "severity" text check ("severity" in (\'info\', \'warning\', \'error\')) not null, "title" text not null, "message" text null, "action_url" text null, "read" boolean not null default false, "read_at" timestamptz null, "created_at" timestamptz not null default current_timestamp)',
    );
    this.addSql('create index "notifications_workflow_id_index" on "notifications" ("workflow_id")');
    this.addSql('create index "notifications_read_by_index" on "notifications" ("read_by")');
    this.addSql(
      'create index "notifications_company_id_read_created_at_index" on "notifications" ("company_id", "read", "created_at")',
    );
    this.addSql(
      'create table "health_logs" ("id" serial primary key, "company_id" int not null, "workflow_id" int not null, "step_id" int null, "user_id" int not null, "status" text not null, "error_type" text null, "error_message" text null, "healing_confidence" double precision null, "deterministic_score" int null, "ai_confidence" double precision null, "candidates_evaluated" int null, "page_state_hash" text null, "page_url" text null, "execution_time_ms" int null, "created_at" timestamptz not null default current_timestamp)',
    );
    this.addSql('create index "health_logs_company_id_index" on "health_logs" ("company_id")');
    this.addSql('create index "health_logs_step_id_index" on "health_logs" ("step_id")');
    this.addSql('create index "health_logs_user_id_index" on "health_logs" ("user_id")');
    this.addSql('create index "health_logs_status_index" on "health_logs" ("status")');
    this.addSql(
      'create index "health_logs_workflow_id_created_at_index" on "health_logs" ("workflow_id", "created_at")',
    );
    this.addSql(
      'alter table "users" add constraint "users_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "workflows" add constraint "workflows_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "workflows" add constraint "workflows_created_by_foreign" foreign key ("created_by") references "users" ("id") on update cascade on delete set null',
    );
    this.addSql(
      'alter table "screenshots" add constraint "screenshots_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "screenshots" add constraint "screenshots_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "steps" add constraint "steps_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "steps" add constraint "steps_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "steps" add constraint "steps_screenshot_id_foreign" foreign key ("screenshot_id") references "screenshots" ("id") on update cascade on delete set null',
    );
    this.addSql(
      'alter table "steps" add constraint "steps_edited_by_foreign" foreign key ("edited_by") references "users" ("id") on update cascade on delete set null',
    );
    this.addSql(
      'alter table "notifications" add constraint "notifications_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "notifications" add constraint "notifications_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "notifications" add constraint "notifications_read_by_foreign" foreign key ("read_by") references "users" ("id") on update cascade on delete set null',
    );
    this.addSql(
      'alter table "health_logs" add constraint "health_logs_company_id_foreign" foreign key ("company_id") references "companies" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "health_logs" add constraint "health_logs_workflow_id_foreign" foreign key ("workflow_id") references "workflows" ("id") on update cascade on delete cascade',
    );
    this.addSql(
      'alter table "health_logs" add constraint "health_logs_step_id_foreign" foreign key ("step_id") references "steps" ("id") on update cascade on delete set null',
    );
    this.addSql(
      'alter table "health_logs" add constraint "health_logs_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade',
    );
  }

  override down(): void {
    this.addSql('drop table if exists "health_logs"');
    this.addSql('drop table if exists "notifications"');
    this.addSql('drop table if exists "steps"');
    this.addSql('drop table if exists "screenshots"');
    this.addSql('drop table if exists "workflows"');
    this.addSql('drop table if exists "users"');
    this.addSql('drop table if exists "companies"');
  }
}
