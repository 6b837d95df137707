import { defineEntity, type OptionalProps, p, type Ref } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
import { createdAt } from './timestamps.js';
import { Workflow } from './workflow.js';

/**
 * Image formats a screenshot may have.
 *
 * @example
 * const ext = screenshot.format === SCREENSHOT_FORMATS[1] ? 'png' : 'jpg';
 */
export const SCREENSHOT_FORMATS = ['jpeg', 'png'] as const;
/**
 * One of {@link SCREENSHOT_FORMATS}.
 *
 * @example
 * const format: ScreenshotFormat = 'png';
 */
export type ScreenshotFormat = (typeof SCREENSHOT_FORMATS)[number];

/**
 * A stored screenshot, shared by hash within one company (table `screenshots`).
 *
 * @example
 * const { screenshot } = await dedupeScreenshot(db, { companyId, workflowId, content }); // a Screenshot
 */
export interface Screenshot {
  /** Auto-increment id, never reused. */
  id: number;
  /** The owning company (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** The workflow it was first stored for (`workflow_id`, deleted with it). */
  workflow: Ref<Workflow>;
  /** `sha256:<64 lowercase hex>` of the content; unique within the company. */
  hash: string;
  /** Where the image is stored: `companies/{company}/workflows/{workflow}/screenshots/{id}.{jpg,png}`. */
  storageKey: string;
  /** The URL it is served from. */
  storageUrl: string;
  /** Size in bytes. */
  fileSize: number | null | undefined;
  /** Width in pixels. */
  width: number | null | undefined;
  /** Height in pixels. */
  height: number | null | undefined;
  /** Image format, `jpeg` by default: {@link ScreenshotFormat}. */
  format: ScreenshotFormat;
  /** When the row was inserted. */
  createdAt: Date;
  [OptionalProps]?: 'id' | 'format' | 'createdAt';
}

/**
 * The schema of {@link Screenshot}, for `em.find(Screenshot, …)` and a host's `entities`.
 *
 * @example
 * const shot = await em.findOne(Screenshot, { company: companyId, hash });
 */
export const Screenshot = schemaFor<Screenshot>()(
  defineEntity({
    name: 'Screenshot',
    tableName: 'screenshots',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p.manyToOne(Company).ref().deleteRule('cascade').updateRule('cascade'),
      workflow: p
        .manyToOne(Workflow)
        .ref()
        .deleteRule('cascade')
        .updateRule('cascade')
        .index('screenshots_workflow_id_index'),
      hash: p.text(),
      storageKey: p.text(),
      storageUrl: p.text(),
      fileSize: p.integer().nullable(),
      width: p.integer().nullable(),
      height: p.integer().nullable(),
      format: p.text().$type<ScreenshotFormat>().default('jpeg'),
      createdAt: createdAt(),
    },
    uniques: [
      // Per company, not global: a global unique hash tells one tenant what another stored.
      { name: 'screenshots_company_id_hash_unique', properties: ['company', 'hash'] },
    ],
  }),
);
