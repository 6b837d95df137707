/**
 * Maximum sizes of user-supplied values, checked before anything is written. Generous for
 * real recordings, small enough that a hostile caller cannot make one row huge.
 *
 * @example
 * if (bytes.length > LIMITS.screenshotBytes) return res.writeHead(413).end();
 */
export const LIMITS = Object.freeze({
  /** Names, titles, labels, emails and other one-line strings, in characters. */
  shortText: 500,
  /** URLs (starting URL, page URL, storage URL, action URL), in characters. */
  url: 4096,
  /** Free text (descriptions, messages, instructions, error messages), in characters. */
  longText: 100_000,
  /** One JSON payload (selectors, element meta, page context, DOM context…), serialized, in bytes. */
  jsonBytes: 256 * 1024,
  /** Nesting depth of one JSON payload. */
  jsonDepth: 32,
  /** Tags per workflow. */
  tags: 100,
  /** Steps in one workflow. */
  steps: 5000,
  /** Page size of list calls. */
  pageSize: 500,
  /** Screenshot bytes accepted by dedupeScreenshot unless configured otherwise. */
  screenshotBytes: 5 * 1024 * 1024,
});
