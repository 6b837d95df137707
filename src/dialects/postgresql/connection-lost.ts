// Which failures mean the connection itself is gone (the server ended the session, restarted, or
// could not be reached), as opposed to a statement the server refused. pg reports them three ways:
// as a server error with an SQLSTATE (the server's last word before closing), as a Node socket
// error, or as its own Error without a code once the socket is gone.

/** SQLSTATEs of a session the server ends or refuses: class 08, admin/crash shutdown, starting up. */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03']);
/** Node's socket errors. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own messages for a client whose connection has ended (they carry no code). */
const CLIENT_MESSAGES = [
  'Connection terminated',
  'is not queryable',
  'timeout exceeded when trying to connect',
  'Connection terminated due to connection timeout',
  // pg's Client when its own connectionTimeoutMillis (the URL's connect_timeout) passes.
  'timeout expired',
];

/**
 * True when `error` (or an error in its `cause` chain) says the connection to PostgreSQL was lost
 * or could not be made, whatever the statement was.
 *
 * @example
 * if (isPostgresqlConnectionLost(error)) throw new ConnectionException(error);
 */
export function isPostgresqlConnectionLost(error: unknown): boolean {
  let e = error as { code?: unknown; message?: unknown; cause?: unknown } | null | undefined;
  for (let depth = 0; typeof e === 'object' && e !== null && depth < 8; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (SERVER_CODES.has(code) || code.startsWith('08') || SOCKET_CODES.has(code)) return true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (CLIENT_MESSAGES.some((m) => message.includes(m))) return true;
    e = e.cause as typeof e;
  }
  return false;
}
