import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import {
  authenticate,
  createCompany,
  type Database,
  joinCompany,
  openDatabase,
  redactDatabaseUrl,
  rotateInviteToken,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

// Secrets that secrets.test.ts does not cover: a password passed as a query parameter of the
// URL (libpq's ?password= and ?sslpassword=), and invite tokens, which let anyone join a company.
const USER_PW = 'UserPw-4d1a';
const QUERY_PW = 'QueryPw-9b3c';
const SSL_PW = 'SslPw-77e0';
const URL_SECRETS = [USER_PW, QUERY_PW, SSL_PW];
const MEMBER_PW = 'Member pass 5678';

function withSecrets(url: string, dialect: string): string {
  const parsed = new URL(url);
  if (dialect === 'postgresql') parsed.password = USER_PW;
  parsed.searchParams.set('password', QUERY_PW);
  parsed.searchParams.set('sslpassword', SSL_PW);
  return parsed.toString();
}

function everything(value: unknown): string {
  const parts = [inspect(value, { depth: 8, showHidden: true }), inspect(value)];
  try {
    parts.push(JSON.stringify(value) ?? '');
  } catch {
    // circular: inspect has it
  }
  if (value instanceof Error) parts.push(value.message, String(value.stack));
  return parts.join('\n');
}

describe('URL passwords given as query parameters', () => {
  it('redactDatabaseUrl hides ?password= and ?sslpassword= and keeps the other parameters', () => {
    const redacted = redactDatabaseUrl(
      `postgresql://u:${USER_PW}@db/app?sslmode=require&password=${QUERY_PW}&sslpassword=${SSL_PW}&application_name=x`,
    );
    for (const secret of URL_SECRETS) expect(redacted).not.toContain(secret);
    expect(redacted).toContain('sslmode=require');
    expect(redacted).toContain('application_name=x');
    expect(redactDatabaseUrl(`postgres://db/app?PassWord=${QUERY_PW}`)).not.toContain(QUERY_PW);
  });

  it('error messages of a URL that cannot be parsed or opened do not carry them', async () => {
    for (const url of [
      `postgresql://u:${USER_PW}@127.0.0.1:1/nowhere?password=${QUERY_PW}&sslpassword=${SSL_PW}`,
      `postgresql://u:${USER_PW}@127.0.0.1:1/?password=${QUERY_PW}&sslpassword=${SSL_PW}`,
      `postgresql://127.0.0.1:1/nowhere?sslpassword=${SSL_PW}&password=${QUERY_PW}`,
      `mysql://127.0.0.1/app?password=${QUERY_PW}&sslpassword=${SSL_PW}`,
    ]) {
      const error = await openDatabase({ url, logger: () => undefined }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const text = everything(error);
      for (const secret of URL_SECRETS) expect(text, url).not.toContain(secret);
    }
  });
});

describeEachDialect('no database password or invite token in logs, errors or inspected values', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  it('createCompany, rotateInviteToken, joinCompany and authenticate with every statement logged', async () => {
    const url = withSecrets(target.url, dialect);
    const seen: string[] = [];
    const tokens: string[] = [];
    let db: Database | undefined;
    try {
      db = await openDatabase({ url, debug: true, migrate: true, logger: (line) => seen.push(line) });
      seen.push(everything(db));
      const company = await createCompany(db, { name: 'Acme' });
      // The caller reads the token by property, as the README shows.
      expect(company.inviteToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      tokens.push(company.inviteToken);
      seen.push(everything(company));
      const rotated = await rotateInviteToken(db, company.id);
      expect(rotated).toMatch(/^[A-Za-z0-9_-]{43}$/);
      tokens.push(rotated);
      const stale = await joinCompany(db, {
        inviteToken: company.inviteToken,
        email: 'late@acme.test',
        password: MEMBER_PW,
      }).catch((e: unknown) => e);
      expect((stale as { code?: string }).code).toBe('INVALID_INVITE_TOKEN');
      seen.push(everything(stale));
      const member = await joinCompany(db, { inviteToken: rotated, email: 'max@acme.test', password: MEMBER_PW });
      seen.push(everything(member));
      seen.push(everything(await member.company.load()));
      const signedIn = await authenticate(db, { email: 'max@acme.test', password: MEMBER_PW });
      expect(signedIn?.id).toBe(member.id);
      seen.push(everything(signedIn));
      seen.push(everything(await signedIn?.company.load()));
    } finally {
      await db?.close();
    }

    const corpus = seen.join('\n');
    expect(corpus).toMatch(/invite_token/); // the logger did see the statements that carry the token
    for (const token of tokens) expect(corpus).not.toContain(token);
    for (const secret of [...URL_SECRETS, MEMBER_PW]) expect(corpus).not.toContain(secret);
  }, 120_000);

  it('the CLI prints no password of the URL, wherever it is given', async () => {
    const url = withSecrets(target.url, dialect);
    for (const argv of [['current'], ['current', '--json'], ['upgrade', 'head'], ['check']]) {
      let out = '';
      await runCli([...argv, '--url', url], {
        env: { DEBUG: '1' },
        stdout: { write: (text: string) => (out += text) },
        stderr: { write: (text: string) => (out += text) },
      });
      expect(out).toMatch(/Database: |"database"/);
      for (const secret of URL_SECRETS) expect(out, argv.join(' ')).not.toContain(secret);
    }
  });
});
