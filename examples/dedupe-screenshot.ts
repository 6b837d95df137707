// Store screenshots once per company: the first upload of an image inserts a row and gets a
// storage key to upload the bytes to; every later upload of the same image gets that row back.
//   npx tsup && npx tsx examples/dedupe-screenshot.ts   (SQLite file ./.tmp/example.db)
//   DATABASE_URL=postgresql://… npx tsx examples/dedupe-screenshot.ts
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createCompany, dedupeScreenshot, OverlayDbError, openDatabase, screenshotHash } from '@overlay/db';

// A 3×2 PNG, as a browser extension would send it.
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAMAAAACCAIAAAASFvFNAAAAHElEQVR4nGNkYPjPxcDAxcDAeEIuioGBgYGBAQAcsQJW9Z3HkQAAAABJRU5ErkJggg==',
  'base64',
);
// Stands in for a bucket: the bytes go to <temporary folder>/<storage key>.
const storageRoot = mkdtempSync(join(tmpdir(), 'overlay-bucket-'));

if (!process.env.DATABASE_URL) mkdirSync('.tmp', { recursive: true });
const db = await openDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:///./.tmp/example.db', migrate: true });
try {
  const acme = await createCompany(db, { name: 'Acme Corp' });
  const workflow = await db.forCompany(acme.id).workflows.create({
    name: 'Submit an expense report',
    startingUrl: 'https://expenses.example.test/new',
  });

  for (const attempt of ['first upload', 'same image again']) {
    const { screenshot, deduplicated } = await dedupeScreenshot(db, {
      companyId: acme.id,
      workflowId: workflow.id,
      content: png,
      storageBaseUrl: 'https://cdn.example.test',
    });
    if (!deduplicated) {
      const path = join(storageRoot, screenshot.storageKey);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, png);
    }
    console.log(
      `${attempt}: screenshot #${screenshot.id} ${screenshot.format} ${screenshot.width}x${screenshot.height}, ` +
        `${deduplicated ? 'deduplicated, nothing to upload' : `new, uploaded to ${screenshot.storageKey}`}`,
    );
    console.log(`  hash ${screenshot.hash}\n  url  ${screenshot.storageUrl}`);
  }

  // A client that hashed the image itself can skip sending the bytes when the image is known.
  const known = await dedupeScreenshot(db, { companyId: acme.id, workflowId: workflow.id, hash: screenshotHash(png) });
  console.log(`by hash only: screenshot #${known.screenshot.id}, deduplicated ${known.deduplicated}`);

  // Another company uploading the same image gets its own row: tenants never share or see each other's.
  const globex = await createCompany(db, { name: 'Globex' });
  const theirs = await db
    .forCompany(globex.id)
    .workflows.create({ name: 'Onboarding', startingUrl: 'https://globex.test' });
  const other = await dedupeScreenshot(db, { companyId: globex.id, workflowId: theirs.id, content: png });
  console.log(`same image in another company: screenshot #${other.screenshot.id}, deduplicated ${other.deduplicated}`);

  try {
    await dedupeScreenshot(db, { companyId: globex.id, workflowId: workflow.id, content: png });
  } catch (error) {
    if (!(error instanceof OverlayDbError)) throw error;
    console.log(`Globex naming Acme's workflow: ${error.code}`);
  }
  try {
    await dedupeScreenshot(db, { companyId: acme.id, workflowId: workflow.id, content: Buffer.from('GIF89a…') });
  } catch (error) {
    if (!(error instanceof OverlayDbError)) throw error;
    console.log(`a GIF: ${error.code} — ${error.message}`);
  }
} finally {
  await db.close();
  rmSync(storageRoot, { recursive: true, force: true });
}
