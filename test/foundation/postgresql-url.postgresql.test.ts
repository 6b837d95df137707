import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { type Database, openDatabase } from '../../src/index.js';
import { component } from '../support/components.js';
import { createTestDatabase, type TestDatabase } from '../support/dialects.js';
import { requestedDialects } from '../support/env.js';
import { openError } from '../support/open-error.js';

// What a PostgreSQL URL's parts mean to psql (libpq), against the real server on 5432 (no TLS, a
// socket in /var/run/postgresql, 127.0.0.1 only) and the TLS cluster (5441, also on ::1).
const onPostgres = requestedDialects().includes('postgresql') && inject('postgresAvailable');
const tls = onPostgres ? await component('tls-cluster') : undefined;

async function one<T = Record<string, unknown>>(db: Database, sql: string): Promise<T> {
  const [row] = await query<T>(db.orm.em.fork(), sql);
  return row;
}

describe.runIf(onPostgres)('PostgreSQL URLs mean what they mean to psql [postgresql]', () => {
  let target: TestDatabase;
  beforeAll(async () => {
    target = await createTestDatabase('postgresql');
  });
  afterAll(async () => target?.drop());

  it('sslmode=require against a server without TLS is refused with DATABASE_ERROR, never plain text', async () => {
    const { code, message } = await openError(() => openDatabase({ url: `${target.url}?sslmode=require` }));
    expect(code).toBe('DATABASE_ERROR');
    expect(message).toMatch(/does not support SSL/);
  });

  it('options=-c name=value reaches the server as libpq sends it', async () => {
    const options = encodeURIComponent('-c statement_timeout=4321 -c lock_timeout=1234');
    const db = await openDatabase({ url: `${target.url}?options=${options}` });
    try {
      expect(await one(db, 'show statement_timeout')).toEqual({ statement_timeout: '4321ms' });
      expect(await one(db, 'show lock_timeout')).toEqual({ lock_timeout: '1234ms' });
    } finally {
      await db.close();
    }
  });

  it('application_name becomes the session setting application_name', async () => {
    const db = await openDatabase({ url: `${target.url}?application_name=overlay-url-test` });
    try {
      expect(await one(db, 'select current_setting($$application_name$$) as name')).toEqual({
        name: 'overlay-url-test',
      });
    } finally {
      await db.close();
    }
  });

  it('a socket directory as host (postgresql:///db?host=/var/run/postgresql) connects over the socket', async () => {
    const db = await openDatabase({ url: `postgresql:///${target.name}?host=/var/run/postgresql&user=postgres` });
    try {
      // inet_server_addr() is null on a Unix-domain socket.
      expect(await one(db, 'select inet_server_addr() as addr, current_database() as db')).toEqual({
        addr: null,
        db: target.name,
      });
    } finally {
      await db.close();
    }
  });

  it('a socket host uses no TLS whatever the sslmode, as libpq (the server offers none there)', async () => {
    const db = await openDatabase({
      url: `postgresql:///${target.name}?host=/var/run/postgresql&user=postgres&sslmode=require`,
    });
    try {
      expect(await one(db, 'select inet_server_addr() as addr')).toEqual({ addr: null });
    } finally {
      await db.close();
    }
  });

  it('connect_timeout bounds the wait for a server that accepts and never answers', async () => {
    // A TCP listener that takes the connection and says nothing: without a timeout, open waits forever.
    const sockets: import('node:net').Socket[] = [];
    const server: Server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const { code, message } = await openError(() =>
        openDatabase({ url: `postgresql://postgres@127.0.0.1:${port}/x?connect_timeout=2` }),
      );
      expect(code).toBe('DATABASE_ERROR');
      expect(message).toMatch(/timeout/i);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe.runIf(tls)('IPv6', () => {
    it('[::1] is the IPv6 loopback address, not a host name to look up', async () => {
      // The TLS cluster listens on ::1 (the server on 5432 does not); its certificate names localhost
      // and 127.0.0.1, so verify-ca (CA checked, host name not) is the mode that reaches it on ::1.
      const url = `postgresql://postgres@[::1]:${tls?.OVERLAY_TEST_TLS_PORT}/postgres?sslmode=verify-ca&sslrootcert=${tls?.OVERLAY_TEST_TLS_CA}`;
      const db = await openDatabase({ url });
      try {
        expect(await one(db, 'select host(inet_server_addr()) as addr')).toEqual({ addr: '::1' });
      } finally {
        await db.close();
      }
    });
  });
});
