// Run as a child process by test/reliability/failed-open.test.ts: opens DATABASE_URL, which must
// fail, and prints the error's code. With BROKEN_ENTITY=1 the URL is good and entity discovery
// fails (an extra entity points at one that does not exist). The process must then exit by
// itself: a pool or socket left open by the failed open would keep it alive, and the test would
// fail at the hang guard of test/support/child-process.ts.
import { EntitySchema } from '@mikro-orm/core';
import { openDatabase } from '../../../src/index.js';

const broken = new EntitySchema({
  name: 'Broken',
  properties: { id: { primary: true, type: 'number' }, missing: { kind: 'm:1', entity: () => 'Missing' as never } },
});

try {
  const db = await openDatabase({
    url: process.env.DATABASE_URL,
    ...(process.env.BROKEN_ENTITY === '1' ? { mikroOrm: { entities: [broken] } } : {}),
  });
  await db.close();
  console.log(JSON.stringify({ opened: true }));
} catch (error) {
  console.log(JSON.stringify({ code: (error as { code?: string }).code, message: (error as Error).message }));
}
