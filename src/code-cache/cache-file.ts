import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One module's compiled code, valid for the source whose hash it records. */
export interface CacheEntry {
  hash: string;
  data: Buffer;
}

const MAGIC = 'overlay-db-code-cache-1';
/** A file above this is not read: it cannot be ours, or it grew without bound. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

/**
 * Reads a cache file: a length-prefixed JSON index of [file, source hash, bytes] and the cached
 * data of each, in order. A missing, truncated or foreign file reads as empty, never as an error.
 */
export function readCacheFile(file: string): Map<string, CacheEntry> {
  const entries = new Map<string, CacheEntry>();
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return entries;
  }
  try {
    if (buf.length < 4 || buf.length > MAX_FILE_BYTES) return entries;
    const headLength = buf.readUInt32LE(0);
    if (4 + headLength > buf.length) return entries;
    const head = JSON.parse(buf.subarray(4, 4 + headLength).toString('utf8')) as {
      magic?: unknown;
      entries?: unknown;
    };
    if (head.magic !== MAGIC || !Array.isArray(head.entries)) return entries;
    let offset = 4 + headLength;
    for (const row of head.entries) {
      if (!Array.isArray(row) || row.length !== 3) return new Map();
      const [path, hash, length] = row as unknown[];
      if (typeof path !== 'string' || typeof hash !== 'string' || !Number.isSafeInteger(length)) return new Map();
      const end = offset + (length as number);
      if (end > buf.length) return new Map();
      entries.set(path, { hash, data: buf.subarray(offset, end) });
      offset = end;
    }
    return entries;
  } catch {
    return new Map();
  }
}

/**
 * Writes a cache file through a temporary file and a rename, so that a process reading it at the
 * same time sees the old file or the new one, never half of one.
 */
export function writeCacheFile(file: string, entries: Map<string, CacheEntry>): void {
  const index: [string, string, number][] = [];
  const blobs: Buffer[] = [];
  for (const [path, entry] of entries) {
    index.push([path, entry.hash, entry.data.length]);
    blobs.push(entry.data);
  }
  const head = Buffer.from(JSON.stringify({ magic: MAGIC, entries: index }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  mkdirSync(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, Buffer.concat([length, head, ...blobs]));
    renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
}
