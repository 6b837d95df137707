import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDatabaseUrlError, openDatabase, parseDatabaseUrl, redactDatabaseUrl } from '../../src/index.js';

describe('database URLs (SQLAlchemy style)', () => {
  it('parses the SQLite forms of the seed', () => {
    expect(parseDatabaseUrl('sqlite:///./app.db', '/srv/app')).toEqual({ dialect: 'sqlite', path: '/srv/app/app.db' });
    expect(parseDatabaseUrl('sqlite:///data/x.db', '/srv')).toEqual({ dialect: 'sqlite', path: '/srv/data/x.db' });
    expect(parseDatabaseUrl('sqlite:////var/lib/app.db')).toEqual({ dialect: 'sqlite', path: '/var/lib/app.db' });
    expect(parseDatabaseUrl('sqlite:///:memory:')).toEqual({ dialect: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('sqlite:///./app.db').dialect).toBe('sqlite');
    expect((parseDatabaseUrl('sqlite:///./app.db') as { path: string }).path).toBe(resolve('app.db'));
  });

  it('parses the PostgreSQL forms, ignoring a driver suffix', () => {
    for (const url of [
      'postgresql://user:pa%40ss@db.internal:6543/app',
      'postgres://user:pa%40ss@db.internal:6543/app',
      'postgresql+psycopg2://user:pa%40ss@db.internal:6543/app',
    ]) {
      expect(parseDatabaseUrl(url)).toMatchObject({
        dialect: 'postgresql',
        host: 'db.internal',
        port: 6543,
        user: 'user',
        password: 'pa@ss',
        database: 'app',
      });
    }
    expect(parseDatabaseUrl('postgresql://localhost/app')).toMatchObject({ port: 5432, user: '', password: '' });
  });

  it('refuses anything else with INVALID_DATABASE_URL naming the accepted forms, never the password', () => {
    const bad = [
      'mysql://root:hunter2@localhost/app',
      'sqlite://relative.db',
      'sqlite:///',
      'postgresql://user:hunter2@host',
      'postgresql://user:hunter2@/app',
      'not a url',
      '',
      'http://user:hunter2@example.test/app',
    ];
    for (const url of bad) {
      let error: unknown;
      try {
        parseDatabaseUrl(url);
      } catch (e) {
        error = e;
      }
      expect(error, url).toBeInstanceOf(InvalidDatabaseUrlError);
      expect((error as InvalidDatabaseUrlError).code).toBe('INVALID_DATABASE_URL');
      expect((error as Error).message).toMatch(/sqlite:\/\/\//);
      expect((error as Error).message).not.toContain('hunter2');
    }
    for (const value of [undefined, null, 42, {}]) {
      expect(() => parseDatabaseUrl(value)).toThrow(InvalidDatabaseUrlError);
    }
  });

  it('redacts passwords, including ones that contain @ or :', () => {
    expect(redactDatabaseUrl('postgresql://u:p@ss:w@rd@h:5432/db')).toBe('postgresql://u:***@h:5432/db');
    expect(redactDatabaseUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(redactDatabaseUrl('postgresql://h/db')).toBe('postgresql://h/db');
  });

  it('an unreachable PostgreSQL server is a DATABASE_ERROR that does not show the password', async () => {
    const error = await openDatabase({ url: 'postgresql://someone:s3cr3t-pw@127.0.0.1:1/nowhere' }).catch((e) => e);
    expect(error.code).toBe('DATABASE_ERROR');
    expect(error.message).toContain('postgresql://someone:***@127.0.0.1:1/nowhere');
    expect(error.message).not.toContain('s3cr3t-pw');
  });

  it('a query parameter the library cannot honour is INVALID_DATABASE_URL naming it, never silently dropped', () => {
    for (const [query, name] of [
      ['sslcrl=/etc/crl.pem', 'sslcrl'],
      ['target_session_attrs=read-write', 'target_session_attrs'],
      ['sslmdoe=require', 'sslmdoe'],
      ['sslmode=require&keepalives=0', 'keepalives'],
      ['sslmode=allow', 'sslmode'],
      ['sslmode=on', 'sslmode'],
      ['connect_timeout=soon', 'connect_timeout'],
      ['host=db1,db2', 'host'],
      ['pasword=hunter4', 'pasword'],
      ['passwd=hunter4', 'passwd'],
    ]) {
      let error: unknown;
      try {
        parseDatabaseUrl(`postgresql://u:hunter2@db/app?${query}&sslpassword=Ssl-hunter3`);
      } catch (e) {
        error = e;
      }
      expect(error, query).toBeInstanceOf(InvalidDatabaseUrlError);
      expect((error as Error).message, query).toContain(name);
      expect((error as Error).message).not.toContain('hunter2');
      expect((error as Error).message).not.toContain('hunter3');
      expect((error as Error).message).not.toContain('hunter4');
    }
  });

  it('parses the libpq parameters it honours', () => {
    expect(
      parseDatabaseUrl(
        'postgresql://u@[::1]:6000/app?sslmode=verify-full&sslrootcert=/ca.crt&application_name=w&options=-c%20x%3Dy&connect_timeout=7',
      ),
    ).toMatchObject({
      host: '::1',
      port: 6000,
      database: 'app',
      sslMode: 'verify-full',
      sslRootCert: '/ca.crt',
      applicationName: 'w',
      options: '-c x=y',
      connectTimeoutSeconds: 7,
    });
    expect(parseDatabaseUrl('postgresql:///app?host=/var/run/postgresql')).toMatchObject({
      host: '/var/run/postgresql',
      port: 5432,
      database: 'app',
    });
  });

  it('any query either parses or is INVALID_DATABASE_URL, and no message shows a password', () => {
    const names = fc.constantFrom(
      'sslmode',
      'sslrootcert',
      'host',
      'port',
      'connect_timeout',
      'options',
      'application_name',
      'dbname',
      'sslcrl',
      'password',
      'x',
    );
    const pair = fc.tuple(fc.oneof(names, fc.string({ maxLength: 12 })), fc.string({ maxLength: 20 }));
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 5 }), fc.boolean(), (pairs, encode) => {
        const query = pairs
          .map(([k, v]) => (encode ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`))
          .join('&');
        const url = `postgresql://u:Url-Pw-31@db/app?${query}&sslpassword=Ssl-Pw-32&password=Query-Pw-33`;
        try {
          const parsed = parseDatabaseUrl(url);
          expect(parsed.dialect).toBe('postgresql');
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidDatabaseUrlError);
          for (const secret of ['Url-Pw-31', 'Ssl-Pw-32', 'Query-Pw-33']) {
            expect((error as Error).message).not.toContain(secret);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
