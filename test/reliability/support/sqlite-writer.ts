// Run as a child process by sqlite-processes.sqlite.test.ts: one of several processes writing the
// same SQLite file at once. Prints one JSON line: how many operations succeeded and every error.
import { dedupeScreenshot, openDatabase } from '../../../src/index.js';
import { pngHeader } from '../../services/image-fixtures.js';
import { stepInput } from '../../tenant/fixtures.js';

const { URL: url, COMPANY, USER, SHARED, OPS, WORKER } = process.env;
const companyId = Number(COMPANY);
const shared = String(SHARED).split(',').map(Number);
const db = await openDatabase({ url });
const scope = db.forCompany(companyId);
const errors: string[] = [];
let ok = 0;
for (let i = 0; i < Number(OPS); i++) {
  try {
    const wf = await scope.workflows.create({
      name: `p${WORKER}-${i}`,
      startingUrl: 'https://x.test',
      steps: [stepInput(), stepInput({ actionType: 'submit' })],
    });
    await scope.healthLogs.record({
      workflowId: shared[i % shared.length],
      userId: Number(USER),
      status: i % 4 === 0 ? 'failed' : 'success',
    });
    await dedupeScreenshot(db, { companyId, workflowId: shared[0], content: pngHeader(20 + (i % 3), 20) });
    await scope.workflows.update(wf.id, { description: `updated by ${WORKER}` });
    await scope.workflows.list({ limit: 5 });
    ok++;
  } catch (error) {
    errors.push(`${(error as { code?: string }).code ?? 'RAW'}: ${(error as Error).message}`);
  }
}
await db.close();
console.log(JSON.stringify({ ok, errors }));
