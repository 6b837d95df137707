import { Migration } from '@mikro-orm/migrations';

/**
 * Revision 0acd3e6b9445 of the Python backend ("initial schema with all core tables") on
 * SQLite, with the changes of the port: `company_id` on steps and health_logs, screenshots
 * unique per (company_id, hash), one unique index per unique column, an index leading with
 * every foreign-key column, enums enforced by CHECK constraints, AUTOINCREMENT ids on SQLite,
 * ISO-8601 UTC timestamp defaults on SQLite, and case-insensitive unique emails.
 *
 * @example
 * migrationsFor('sqlite') // [{ name: '…', class: InitialSchemaSqlite }, …]
 */
export class InitialSchemaSqlite extends Migration {
  override up(): void {
    this.addSql(
      "create table `companies` (`id` integer not null primary key autoincrement, `name` text not null, `invite_token` text not null, `settings` json not null default '{}', `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
    );
    this.addSql('create unique index `companies_invite_token_unique` on `companies` (`invite_token`)');
    this.addSql(
      "create table `users` (`id` integer not null primary key autoincrement, `company_id` integer not null, `email` text not null, `password_hash` text not null, `name` text null, `role` text check (`role` in ('admin', 'regular')) not null, `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), `last_login_at` datetime null, constraint `users_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade)",
    );
    this.addSql('create index `users_company_id_index` on `users` (`company_id`)');
    this.addSql('create unique index `users_email_unique` on `users` (`email`)');
    this.addSql('create unique index users_email_lower_unique on users (lower(email))');
    this.addSql(
      "create table `workflows` (`id` integer not null primary key autoincrement, `company_id` integer not null, `created_by` integer null, `name` text not null, `description` text null, `starting_url` text not null, `tags` json not null default '[]', `status` text check (`status` in ('draft', 'processing', 'active', 'needs_review', 'broken', 'archived')) not null default 'draft', `success_rate` double not null default 0, `total_uses` integer not null default 0, `consecutive_failures` integer not null default 0, `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), `updated_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), `last_successful_run` datetime null, `last_failed_run` datetime null, constraint `workflows_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade, constraint `workflows_created_by_foreign` foreign key(`created_by`) references `users`(`id`) on delete set null on update cascade)",
    );
    this.addSql('create index `workflows_company_id_index` on `workflows` (`company_id`)');
    this.addSql('create index `workflows_created_by_index` on `workflows` (`created_by`)');
    this.addSql('create index `workflows_status_index` on `workflows` (`status`)');
    this.addSql(
      'create index `workflows_company_id_created_at_id_index` on `workflows` (`company_id`, `created_at`, `id`)',
    );
    this.addSql(
      'create index `workflows_company_id_status_created_at_index` on `workflows` (`company_id`, `status`, `created_at`)',
    );
    this.addSql(
      "create table `screenshots` (`id` integer not null primary key autoincrement, `company_id` integer not null, `workflow_id` integer not null, `hash` text not null, `storage_key` text not null, `storage_url` text not null, `file_size` integer null, `width` integer null, `height` integer null, `format` text not null default 'jpeg', `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), constraint `screenshots_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade, constraint `screenshots_workflow_id_foreign` foreign key(`workflow_id`) references `workflows`(`id`) on delete cascade on update cascade)",
    );
    this.addSql('create index `screenshots_company_id_index` on `screenshots` (`company_id`)');
    this.addSql('create index `screenshots_workflow_id_index` on `screenshots` (`workflow_id`)');
    this.addSql('create unique index `screenshots_company_id_hash_unique` on `screenshots` (`company_id`, `hash`)');
    this.addSql(
      "create table `steps` (`id` integer not null primary key autoincrement, `company_id` integer not null, `workflow_id` integer not null, `screenshot_id` integer null, `edited_by` integer null, `step_number` integer not null, `timestamp` text null, `action_type` text not null, `selectors` json not null, `element_meta` json not null, `page_context` json not null, `action_data` json null, `dom_context` json null, `field_label` text null, `instruction` text null, `ai_confidence` double null, `ai_model` text null, `ai_generated_at` datetime null, `label_edited` integer not null default false, `instruction_edited` integer not null default false, `edited_at` datetime null, `healed_selectors` json null, `healed_at` datetime null, `healing_confidence` double null, `healing_method` text null, `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), constraint `steps_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade, constraint `steps_workflow_id_foreign` foreign key(`workflow_id`) references `workflows`(`id`) on delete cascade on update cascade, constraint `steps_screenshot_id_foreign` foreign key(`screenshot_id`) references `screenshots`(`id`) on delete set null on update cascade, constraint `steps_edited_by_foreign` foreign key(`edited_by`) references `users`(`id`) on delete set null on update cascade)",
    );
    this.addSql('create index `steps_company_id_index` on `steps` (`company_id`)');
    this.addSql('create index `steps_workflow_id_index` on `steps` (`workflow_id`)');
    this.addSql('create index `steps_screenshot_id_index` on `steps` (`screenshot_id`)');
    this.addSql('create index `steps_edited_by_index` on `steps` (`edited_by`)');
    this.addSql('create unique index `steps_workflow_id_step_number_unique` on `steps` (`workflow_id`, `step_number`)');
    this.addSql(
      "create table `notifications` (`id` integer not null primary key autoincrement, `company_id` integer not null, `workflow_id` integer null, `read_by` integer null, `type` text not null, `severity` text check (`severity` in ('info', 'warning', 'error')) not null, `title` text not null, `message` text null, `action_url` text null, `read` integer not null default false, `read_at` datetime null, `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), constraint `notifications_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade, constraint `notifications_workflow_id_foreign` foreign key(`workflow_id`) references `workflows`(`id`) on delete cascade on update cascade, constraint `notifications_read_by_foreign` foreign key(`read_by`) references `users`(`id`) on delete set null on update cascade)",
    );
    this.addSql('create index `notifications_company_id_index` on `notifications` (`company_id`)');
    this.addSql('create index `notifications_workflow_id_index` on `notifications` (`workflow_id`)');
    this.addSql('create index `notifications_read_by_index` on `notifications` (`read_by`)');
    this.addSql(
      'create index `notifications_company_id_read_created_at_index` on `notifications` (`company_id`, `read`, `created_at`)',
    );
    this.addSql(
      "create table `health_logs` (`id` integer not null primary key autoincrement, `company_id` integer not null, `workflow_id` integer not null, `step_id` integer null, `user_id` integer not null, `status` text not null, `error_type` text null, `error_message` text null, `healing_confidence` double null, `deterministic_score` integer null, `ai_confidence` double null, `candidates_evaluated` integer null, `page_state_hash` text null, `page_url` text null, `execution_time_ms` integer null, `created_at` datetime not null default (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')), constraint `health_logs_company_id_foreign` foreign key(`company_id`) references `companies`(`id`) on delete cascade on update cascade, constraint `health_logs_workflow_id_foreign` foreign key(`workflow_id`) references `workflows`(`id`) on delete cascade on update cascade, constraint `health_logs_step_id_foreign` foreign key(`step_id`) references `steps`(`id`) on delete set null on update cascade, constraint `health_logs_user_id_foreign` foreign key(`user_id`) references `users`(`id`) on delete cascade on update cascade)",
    );
    this.addSql('create index `health_logs_company_id_index` on `health_logs` (`company_id`)');
    this.addSql('create index `health_logs_workflow_id_index` on `health_logs` (`workflow_id`)');
    this.addSql('create index `health_logs_step_id_index` on `health_logs` (`step_id`)');
    this.addSql('create index `health_logs_user_id_index` on `health_logs` (`user_id`)');
    this.addSql('create index `health_logs_status_index` on `health_logs` (`status`)');
    this.addSql(
      'create index `health_logs_workflow_id_created_at_index` on `health_logs` (`workflow_id`, `created_at`)',
    );
  }

  override down(): void {
    this.addSql('drop table if exists `health_logs`');
    this.addSql('drop table if exists `notifications`');
    this.addSql('drop table if exists `steps`');
    this.addSql('drop table if exists `screenshots`');
    this.addSql('drop table if exists `workflows`');
    this.addSql('drop table if exists `users`');
    this.addSql('drop table if exists `companies`');
  }
}
