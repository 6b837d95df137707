// One process loads the installed package through BOTH `import` and `require` and proves that it
// got one copy of the library: the same entity schemas, the same error classes, the same
// functions. Two copies (the dual-package hazard) would give MikroORM two different `Company`
// entities and make `instanceof OverlayDbError` fail for errors thrown by the other copy.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import * as esm from '@overlay/db';
import { Company, entities, NotFoundError, OverlayDbError, openDatabase } from '@overlay/db';

const require = createRequire(import.meta.url);
const cjs = require('@overlay/db');

// The two entries really are different files: dist/index.js (the ESM build) and dist/index.cjs
// (the CommonJS stub, `module.exports = require('./index.js')`).
const esmFile = import.meta.resolve('@overlay/db');
const cjsFile = require.resolve('@overlay/db');
assert.match(esmFile, /\/dist\/index\.js$/);
assert.match(cjsFile, /\/dist\/index\.cjs$/);
// require() of an ES module returns its namespace: the very object `import * as` gives.
assert.equal(cjs, esm, 'require and import give one module namespace');

// Every runtime name of the CommonJS build is exported by the ESM entry, and is the same object.
const cjsNames = Object.keys(cjs)
  .filter((n) => n !== '__esModule' && n !== 'default')
  .sort();
const esmNames = Object.keys(esm)
  .filter((n) => n !== 'default')
  .sort();
assert.deepEqual(esmNames, cjsNames, 'import and require see the same names');
// biome-ignore lint/performance/noDynamicNamespaceImportAccess: comparing every export is the point; nothing is bundled.
for (const name of cjsNames) assert.equal(esm[name], cjs[name], `${name} is one object`);

assert.equal(Company, cjs.Company, 'the Company entity schema is one object');
assert.equal(entities, cjs.entities);
assert.equal(OverlayDbError, cjs.OverlayDbError, 'OverlayDbError is one class');
assert.ok(new cjs.NotFoundError('Workflow', 1) instanceof OverlayDbError);
assert.ok(new NotFoundError('Workflow', 1) instanceof cjs.OverlayDbError);

// MikroORM is one copy too: the host's, not a nested one inside the package.
const ormFromHost = require.resolve('@mikro-orm/core');
const ormFromPackage = createRequire(cjsFile).resolve('@mikro-orm/core');
assert.equal(ormFromPackage, ormFromHost, '@mikro-orm/core resolves to the host copy');

// An entity registered through one entry is the entity the other entry's functions use.
const db = await openDatabase({ url: 'sqlite:///:memory:', migrate: true });
try {
  const company = await cjs.createCompany(db, { name: 'One copy' });
  const found = await db.fork().findOne(Company, { id: company.id });
  assert.equal(found?.name, 'One copy');
} finally {
  await db.close();
}
console.log(
  `ok   one copy: ${cjsNames.length} names identical through import and require (${esmFile.split('/').pop()} → ${cjsFile.split('/').pop()})`,
);
