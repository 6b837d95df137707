import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { convertError } from '../database/convert-error.js';
import { SCREENSHOT_FORMATS, Screenshot, type ScreenshotFormat } from '../entities/screenshot.js';
import { CrossTenantReferenceError, DatabaseError, InvalidInputError } from '../errors.js';
import { dialectOfEm, query, withConnection } from '../executor/executor.js';
import { assertCompanyId } from '../tenant/assert-company-id.js';
import { mapRows } from '../tenant/map-rows.js';
import { readColumns } from '../tenant/read-columns.js';
import { ReferenceSource } from '../tenant/reference-source.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireId,
  requireObject,
  requireOneOf,
} from '../validation/validators.js';
import { readImageHeader } from './image-header.js';
import { requireScreenshotHash, screenshotHash } from './screenshot-hash.js';
import { storageKeyAround } from './screenshot-storage-key.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';

/**
 * Input of {@link dedupeScreenshot}: the image bytes (`content`), or their hash, and what the
 * caller knows. One of `content` and `hash` is required (an input with neither does not compile).
 * Give `storageUrl` or `storageBaseUrl`, not both.
 *
 * @example
 * const input: DedupeScreenshotInput = { companyId, workflowId, content: png, storageBaseUrl: 'https://cdn.example.com' };
 */
export type DedupeScreenshotInput = ScreenshotBytesInput | ScreenshotHashInput;

/**
 * What every {@link DedupeScreenshotInput} says besides the image itself.
 *
 * @example
 * const where: ScreenshotInputBase = { companyId, workflowId, storageBaseUrl: 'https://cdn.example.com' };
 */
export interface ScreenshotInputBase {
  companyId: number;
  /** The workflow the screenshot was taken for; it must belong to `companyId`. */
  workflowId: number;
  /** Where the stored image can be fetched. Default: `storageBaseUrl` + `/` + storage key, else the storage key. */
  storageUrl?: string;
  /** Base URL of the bucket or CDN that serves storage keys, used to derive `storageUrl` (it needs the new id). */
  storageBaseUrl?: string;
  /** Bytes; taken from `content` when given. */
  fileSize?: number;
  /** Pixels; taken from the header of `content` when given. */
  width?: number;
  /** Pixels; taken from the header of `content` when given. */
  height?: number;
  /** `jpeg` or `png`; taken from `content` when given, else default `jpeg` (the column's default). */
  format?: ScreenshotFormat;
  /** The largest accepted image, in bytes (default `LIMITS.screenshotBytes`, 5 MiB; see {@link LIMITS}). */
  maxBytes?: number;
}

/**
 * A {@link DedupeScreenshotInput} with the image's bytes.
 *
 * @example
 * const input: ScreenshotBytesInput = { companyId, workflowId, content: png };
 */
export interface ScreenshotBytesInput extends ScreenshotInputBase {
  /** The PNG or JPEG bytes: hashed here, and format, width and height read from the header. */
  content: Uint8Array;
  /** `sha256:<64 lowercase hex>` of the bytes: it must match them. */
  hash?: string;
}

/**
 * A {@link DedupeScreenshotInput} with only the hash of the image's bytes.
 *
 * @example
 * const input: ScreenshotHashInput = { companyId, workflowId, hash: 'sha256:' + '0'.repeat(64) };
 */
export interface ScreenshotHashInput extends ScreenshotInputBase {
  content?: undefined;
  /** `sha256:<64 lowercase hex>` of the bytes, trusted as given. */
  hash: string;
}

/**
 * What {@link dedupeScreenshot} returns: the company's row for the image, and whether it existed
 * already (then skip the upload).
 *
 * @example
 * const { screenshot, deduplicated }: DedupeScreenshotResult = await dedupeScreenshot(db, { companyId, workflowId, content: png });
 * if (!deduplicated) await bucket.put(screenshot.storageKey, png);
 */
export interface DedupeScreenshotResult {
  /** The company's one row for this hash: new, or the one stored before (possibly for another workflow). */
  screenshot: Screenshot;
  /** `true` when the row existed already: the bytes are stored, do not upload them again. */
  deduplicated: boolean;
}

const INSERT_ATTEMPTS = 3;
const MAX_INT = 2 ** 31 - 1;
const SCREENSHOT_COLUMNS = readColumns('screenshots');
// One statement checks the workflow and finds the company's row for the hash: a row whose
// `workflow_owned` says whether the workflow is the company's (its screenshot columns null), and
// the screenshot's row (with `workflow_owned` true) when one has the hash. Each half reads one
// table by a unique key: SQLite plans such a select without looking at the bound values, while a
// join (the left join this replaced) is planned with them once ANALYZE has written sqlite_stat4,
// and better-sqlite3 (built with STAT4) then prepares it again on every run (4-10× its cost).
const LOOKUP_SQL =
  `select ${SCREENSHOT_COLUMNS}, true as "workflow_owned" from "screenshots" where "company_id" = ? and "hash" = ? ` +
  `union all select ${SCREENSHOT_COLUMNS.replace(/"[a-z_]+"/g, (column) => `null as ${column}`)}, ` +
  'exists (select 1 from "workflows" where "id" = ? and "company_id" = ?) as "workflow_owned"';
const SELECT_SCREENSHOT_SQL = `select ${SCREENSHOT_COLUMNS} from "screenshots" where "company_id" = ? and "hash" = ?`;
/**
 * Records a screenshot once per company and image: the first call for a (company, hash) inserts a
 * row, every later one returns that row with `deduplicated: true`. Concurrent calls, on any number
 * of connections, leave one row and all return its id. A new row gets its storage key
 * (`companies/{c}/workflows/{w}/screenshots/{id}.{jpg|png}`) from the statement that inserts it.
 * The same image in another company is that company's own row.
 *
 * @throws TENANT_REQUIRED for a bad companyId; INVALID_INPUT (with the field) for bad input: not a
 * PNG or JPEG, empty, over `maxBytes`, a malformed hash, or a value that contradicts the bytes;
 * CROSS_TENANT_REFERENCE when the workflow is not one of the company's (missing and foreign are not
 * told apart). Nothing is written on any error.
 * @example
 * const { screenshot, deduplicated } = await dedupeScreenshot(db, { companyId, workflowId, content: png });
 * if (!deduplicated) await bucket.put(screenshot.storageKey, png);
 */
export async function dedupeScreenshot(
  db: ServiceTarget,
  input: DedupeScreenshotInput,
): Promise<DedupeScreenshotResult> {
  const fields = requireObject('input', input);
  rejectUnknownKeys('input', fields, [
    'companyId',
    'workflowId',
    'content',
    'hash',
    'storageUrl',
    'storageBaseUrl',
    'fileSize',
    'width',
    'height',
    'format',
    'maxBytes',
  ]);
  const companyId = assertCompanyId(fields.companyId);
  const workflowId = requireId('workflowId', fields.workflowId);
  const image = describeImage(fields);
  const storageUrl = optionalString('storageUrl', fields.storageUrl, { trim: true, max: LIMITS.url });
  const storageBaseUrl = optionalString('storageBaseUrl', fields.storageBaseUrl, { trim: true, max: LIMITS.url / 2 });
  if (storageUrl != null && storageBaseUrl != null) {
    throw new InvalidInputError('storageBaseUrl', 'give storageUrl or storageBaseUrl, not both');
  }
  const em = toEntityManager(db);
  // One source for the references of what is returned: they load only this company's rows.
  const refs = new ReferenceSource(em, companyId);
  try {
    // Every statement on one connection of the pool, asked for once.
    return await withConnection(em, record);
  } catch (error) {
    if (error instanceof ForeignKeyConstraintViolationException) {
      throw new CrossTenantReferenceError('workflowId', workflowId);
    }
    throw convertError(error, 'Recording the screenshot');
  }

  async function record(): Promise<DedupeScreenshotResult> {
    // Hand-written statements on the primary (a replica may lag), with bound parameters.
    // The common case, an image already stored, needs no insert: an `insert … on conflict do
    // nothing` would still draw an id from the sequence on both dialects and throw it away.
    const rows = await query(em, LOOKUP_SQL, [companyId, image.hash, workflowId, companyId]);
    // PostgreSQL's exists is a boolean, SQLite's 0 or 1. Which row comes first is not promised.
    const check = rows.find((row) => row.id === null);
    if (!check?.workflow_owned) throw new CrossTenantReferenceError('workflowId', workflowId);
    const found = rows.find((row) => row.id !== null);
    if (found !== undefined)
      return {
        screenshot: mapRows(refs, Screenshot, [found])[0],
        deduplicated: true,
      };
    // One statement inserts the row with its storage key, or does nothing when another call stored
    // the hash first (the unique (company_id, hash) index settles races); then that row is read.
    // A row seen by the conflict but deleted (with its workflow) before the select is looked for again.
    const key = storageKeyAround({ companyId, workflowId, format: image.format });
    const urlPrefix = storageBaseUrl == null ? key.prefix : `${storageBaseUrl.replace(/\/+$/, '')}/${key.prefix}`;
    const insert = dialectOfEm(em).tenant.insertScreenshot;
    for (let attempt = 1; attempt <= INSERT_ATTEMPTS; attempt++) {
      const inserted = await query(em, insert, [
        companyId,
        workflowId,
        image.hash,
        key.prefix,
        key.suffix,
        storageUrl ?? null,
        urlPrefix,
        key.suffix,
        image.fileSize,
        image.width,
        image.height,
        image.format,
      ]);
      if (inserted.length > 0) return { screenshot: mapRows(refs, Screenshot, inserted)[0], deduplicated: false };
      const rows = await query(em, SELECT_SCREENSHOT_SQL, [companyId, image.hash]);
      if (rows.length > 0) return { screenshot: mapRows(refs, Screenshot, rows)[0], deduplicated: true };
    }
    throw new DatabaseError('The screenshot kept being deleted while it was being recorded; retry the call');
  }
}

interface ImageFacts {
  hash: string;
  format: ScreenshotFormat;
  fileSize: number | null;
  width: number | null;
  height: number | null;
}

/** Validates what describes the image, reading it from the bytes when they are given. */
function describeImage(fields: Record<string, unknown>): ImageFacts {
  const maxBytes = optionalNumber('maxBytes', fields.maxBytes, { integer: true, min: 1 }) ?? LIMITS.screenshotBytes;
  const given = {
    fileSize: optionalNumber('fileSize', fields.fileSize, { integer: true, min: 1, max: Math.min(maxBytes, MAX_INT) }),
    width: optionalNumber('width', fields.width, { integer: true, min: 1, max: MAX_INT }),
    height: optionalNumber('height', fields.height, { integer: true, min: 1, max: MAX_INT }),
    format: fields.format == null ? undefined : requireOneOf('format', fields.format, SCREENSHOT_FORMATS),
  };
  const hash = fields.hash == null ? undefined : requireScreenshotHash('hash', fields.hash);
  if (fields.content == null) {
    if (hash === undefined) throw new InvalidInputError('content', 'give the image bytes (content) or their hash');
    return {
      hash,
      format: given.format ?? 'jpeg',
      fileSize: given.fileSize ?? null,
      width: given.width ?? null,
      height: given.height ?? null,
    };
  }
  const content = fields.content;
  if (!(content instanceof Uint8Array)) throw new InvalidInputError('content', 'expected a Uint8Array (or Buffer)');
  if (content.length === 0) throw new InvalidInputError('content', 'must not be empty');
  if (content.length > maxBytes) throw new InvalidInputError('content', `must be at most ${maxBytes} bytes`);
  const header = readImageHeader(content);
  const facts: ImageFacts = { hash: screenshotHash(content), fileSize: content.length, ...header };
  if (hash !== undefined && hash !== facts.hash) throw new InvalidInputError('hash', 'does not match the content');
  for (const key of ['fileSize', 'width', 'height', 'format'] as const) {
    if (given[key] != null && given[key] !== facts[key]) {
      throw new InvalidInputError(key, `is ${given[key]}, but the content says ${facts[key]}`);
    }
  }
  return facts;
}
