// Opens SMOKE_SQLITE_URL through the installed package and runs a first query; run twice by the
// installed-package smoke with OVERLAY_DB_CODE_CACHE set to a fresh folder, which it then inspects.
import { openDatabase } from '@overlay/db';

const db = await openDatabase({ url: process.env.SMOKE_SQLITE_URL });
const rows = await db.connection.execute('select 1 as one');
await db.close();
console.log(JSON.stringify(rows));
