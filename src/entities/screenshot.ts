import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
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
 * A stored screenshot, shared by hash within one company.
 *
 * @example
 * const { screenshot } = await dedupeScreenshot(db, { companyId, workflowId, content }); // a Screenshot
 */
export const Screenshot = defineEntity({
  name: 'Screenshot',
  tableName: 'screenshots',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade'),
    workflow: p.manyToOne(Workflow).ref().deleteRule('cascade').index('screenshots_workflow_id_index'),
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
});
export type Screenshot = InferEntity<typeof Screenshot>;
