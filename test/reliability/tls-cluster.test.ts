import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { createCompany, type Database, openDatabase } from '../../src/index.js';
import { component } from '../support/components.js';
import { createTestDatabase, type TestDatabase } from '../support/dialects.js';
import { requestedDialects } from '../support/env.js';
import { openError } from '../support/open-error.js';
import { seedCompany, stepInput } from '../tenant/fixtures.js';

// TLS against a real server: the tls-cluster component (scripts/components/tls-cluster.sh) is a
// PostgreSQL 15 cluster on 5441 with ssl=on, a certificate for localhost and 127.0.0.1 signed by a
// CA it generates, and a pg_hba that rejects every connection without TLS.
const onPostgres = requestedDialects().includes('postgresql') && inject('postgresAvailable');
const tls = onPostgres ? await component('tls-cluster') : undefined;
const PORT = tls?.OVERLAY_TEST_TLS_PORT;
const CA = tls?.OVERLAY_TEST_TLS_CA;
const WRONG_CA = tls?.OVERLAY_TEST_TLS_WRONG_CA;

describe.runIf(tls)('TLS against a real server (tls-cluster) [postgresql]', () => {
  let target: TestDatabase;
  const at = (host: string, query: string) => `postgresql://postgres@${host}:${PORT}/${target.name}?${query}`;
  beforeAll(async () => {
    // The scratch database is made over TLS too: the cluster takes nothing else.
    target = await createTestDatabase('postgresql', {
      adminUrl: `postgresql://postgres@localhost:${PORT}/postgres?sslmode=verify-full&sslrootcert=${CA}`,
      prefix: 'overlay-tls',
    });
  });
  afterAll(async () => target?.drop());

  it('verify-full with the CA connects over TLS, and tenant operations run over it', async () => {
    const db = await openDatabase({ url: at('localhost', `sslmode=verify-full&sslrootcert=${CA}`), migrate: true });
    try {
      const [ssl] = await query<{ ssl: boolean; version: string }>(
        db.orm.em.fork(),
        'select ssl, version from pg_stat_ssl where pid = pg_backend_pid()',
      );
      expect(ssl.ssl).toBe(true);
      expect(ssl.version).toMatch(/^TLSv1\.[23]$/);

      const company = await createCompany(db, { name: 'Acme over TLS' });
      const { adminId } = await seedCompany(db, 'Seeded over TLS');
      const acme = db.forCompany(company.id);
      const workflow = await acme.workflows.create({
        name: 'Submit an expense report',
        startingUrl: 'https://expenses.example.test/new',
        steps: [stepInput(), stepInput({ actionType: 'input_commit' })],
      });
      const withSteps = await acme.workflows.getWithSteps(workflow.id);
      expect(withSteps?.steps.map((s) => s.stepNumber)).toEqual([1, 2]);
      expect((await acme.workflows.list()).items.map((w) => w.id)).toEqual([workflow.id]);
      const seeded = db.forCompany(
        (await query<{ id: number }>(db.orm.em.fork(), 'select company_id as id from users where id = ?', [adminId]))[0]
          .id,
      );
      const other = await seeded.workflows.create({
        name: 'Other',
        startingUrl: 'https://x.test',
        steps: [stepInput()],
      });
      const run = await seeded.healthLogs.record({
        workflowId: other.id,
        userId: adminId,
        status: 'success',
        executionTimeMs: 1200,
      });
      expect(run.log.status).toBe('success');
      expect(await acme.workflows.get(other.id)).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('require (no certificate check) connects over TLS; verify-ca to [::1] checks the CA only', async () => {
    for (const url of [at('127.0.0.1', 'sslmode=require'), at('[::1]', `sslmode=verify-ca&sslrootcert=${CA}`)]) {
      const db = await openDatabase({ url });
      try {
        const [row] = await query<{ ssl: boolean }>(
          db.orm.em.fork(),
          'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
        );
        expect(row, url).toEqual({ ssl: true });
      } finally {
        await db.close();
      }
    }
  });

  it('a CA that did not sign the server certificate is refused with DATABASE_ERROR', async () => {
    for (const mode of ['verify-full', 'verify-ca', 'require']) {
      const { code, message } = await openError(() =>
        openDatabase({ url: at('localhost', `sslmode=${mode}&sslrootcert=${WRONG_CA}`) }),
      );
      expect(code, mode).toBe('DATABASE_ERROR');
      expect(message, mode).toMatch(/certificate/i);
    }
  });

  it('a host name the certificate does not name is refused by verify-full with DATABASE_ERROR', async () => {
    // The certificate names localhost and 127.0.0.1, not ::1.
    const { code, message } = await openError(() =>
      openDatabase({ url: at('[::1]', `sslmode=verify-full&sslrootcert=${CA}`) }),
    );
    expect(code).toBe('DATABASE_ERROR');
    expect(message).toMatch(/does not match|altnames/i);
  });

  it('disable against a server that takes only TLS is refused by the server, not upgraded', async () => {
    const { code, message } = await openError(() => openDatabase({ url: at('localhost', 'sslmode=disable') }));
    expect(code).toBe('DATABASE_ERROR');
    expect(message).toMatch(/no encryption/);
  });

  it('prefer uses TLS where the server offers it and plain text where it does not', async () => {
    const db = await openDatabase({ url: at('localhost', 'sslmode=prefer') });
    try {
      const [row] = await query<{ ssl: boolean }>(
        db.orm.em.fork(),
        'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
      );
      expect(row).toEqual({ ssl: true });
    } finally {
      await db.close();
    }
    const plain = await createTestDatabase('postgresql');
    try {
      const db5432 = await openDatabase({ url: `${plain.url}?sslmode=prefer` });
      try {
        const [row] = await query<{ ssl: boolean }>(
          db5432.orm.em.fork(),
          'select ssl from pg_stat_ssl where pid = pg_backend_pid()',
        );
        expect(row).toEqual({ ssl: false });
      } finally {
        await db5432.close();
      }
    } finally {
      await plain.drop();
    }
  });

  it('each replica URL keeps its own TLS settings: a TLS replica of a plain primary, and the reverse', async () => {
    const plain = await createTestDatabase('postgresql');
    const sslOn = async (db: Database, type: 'read' | 'write') =>
      (
        await db
          .fork()
          .getConnection(type)
          .execute<{ ssl: boolean }[]>('select ssl from pg_stat_ssl where pid = pg_backend_pid()', [], 'all')
      )[0].ssl;
    try {
      const tlsUrl = at('localhost', `sslmode=verify-full&sslrootcert=${CA}`);
      const tlsReplica = await openDatabase({ url: plain.url, replicas: [tlsUrl] });
      try {
        expect({ write: await sslOn(tlsReplica, 'write'), read: await sslOn(tlsReplica, 'read') }).toEqual({
          write: false,
          read: true,
        });
      } finally {
        await tlsReplica.close();
      }
      const plainReplica = await openDatabase({ url: tlsUrl, replicas: [`${plain.url}?sslmode=disable`] });
      try {
        expect({ write: await sslOn(plainReplica, 'write'), read: await sslOn(plainReplica, 'read') }).toEqual({
          write: true,
          read: false,
        });
      } finally {
        await plainReplica.close();
      }
    } finally {
      await plain.drop();
    }
  });

  it('sslcert and sslkey sign in a role that only a client certificate admits; sslpassword opens an encrypted key', async () => {
    const user = tls?.OVERLAY_TEST_TLS_CERT_USER;
    const cert = tls?.OVERLAY_TEST_TLS_CLIENT_CERT as string;
    const key = tls?.OVERLAY_TEST_TLS_CLIENT_KEY as string;
    const url = (query: string) =>
      `postgresql://${user}@localhost:${PORT}/${target.name}?sslmode=verify-full&sslrootcert=${CA}&${query}`;
    const currentUser = async (db: Database) =>
      (await query<{ name: string }>(db.orm.em.fork(), 'select current_user as name'))[0].name;

    const refused = await openError(() => openDatabase({ url: url('application_name=no-cert') }));
    expect(refused.code).toBe('DATABASE_ERROR');
    expect(refused.message).toMatch(/requires a valid client certificate/);

    const db = await openDatabase({ url: url(`sslcert=${cert}&sslkey=${key}`) });
    try {
      expect(await currentUser(db)).toBe(user);
    } finally {
      await db.close();
    }

    // The same key encrypted with a passphrase, which must never show in a message or an inspected value.
    const passphrase = 'Key-Passphrase-5e1f';
    const dir = mkdtempSync(join(tmpdir(), 'overlay-tls-key-'));
    try {
      const encrypted = join(dir, 'client.key');
      writeFileSync(
        encrypted,
        createPrivateKey(readFileSync(key)).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }),
        { mode: 0o600 },
      );
      const withPassphrase = await openDatabase({
        url: url(`sslcert=${cert}&sslkey=${encrypted}&sslpassword=${passphrase}`),
      });
      try {
        expect(await currentUser(withPassphrase)).toBe(user);
        expect(inspect(withPassphrase, { depth: 8, showHidden: true })).not.toContain(passphrase);
      } finally {
        await withPassphrase.close();
      }
      const wrong = await openError(() =>
        openDatabase({ url: url(`sslcert=${cert}&sslkey=${encrypted}&sslpassword=not-${passphrase}`) }),
      );
      expect(wrong.code).toBe('DATABASE_ERROR');
      expect(wrong.message).not.toContain(passphrase);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
