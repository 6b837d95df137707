// Pure parsing of bytes: no database is involved, so this suite runs once rather than per dialect.
import { describe, expect, it } from 'vitest';
import { readImageHeader } from '../../src/index.js';
import { GIF_1X1, JPEG_5X3, JPEG_PROGRESSIVE_7X4, PNG_3X2, pngHeader } from './image-fixtures.js';

function invalid(bytes: Uint8Array): unknown {
  try {
    readImageHeader(bytes);
  } catch (error) {
    return error;
  }
  throw new Error('expected readImageHeader to throw');
}

describe('readImageHeader', () => {
  it('reads PNG and JPEG (baseline and progressive) made by a real encoder', () => {
    expect(readImageHeader(PNG_3X2)).toEqual({ format: 'png', width: 3, height: 2 });
    expect(readImageHeader(JPEG_5X3)).toEqual({ format: 'jpeg', width: 5, height: 3 });
    expect(readImageHeader(JPEG_PROGRESSIVE_7X4)).toEqual({ format: 'jpeg', width: 7, height: 4 });
  });

  it('reads large dimensions without sign overflow', () => {
    expect(readImageHeader(pngHeader(2 ** 31 - 1, 65_535))).toEqual({
      format: 'png',
      width: 2 ** 31 - 1,
      height: 65_535,
    });
    expect(invalid(pngHeader(2 ** 31, 1))).toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
  });

  it('skips fill bytes and segments before the frame header of a JPEG', () => {
    // SOI, APP1 of 4 bytes, fill bytes, SOF1 with height 600 and width 800.
    const jpeg = Buffer.from([
      0xff, 0xd8, 0xff, 0xe1, 0x00, 0x04, 0xaa, 0xbb, 0xff, 0xff, 0xff, 0xc1, 0x00, 0x0b, 0x08, 0x02, 0x58, 0x03, 0x20,
      0x01, 0x01, 0x11, 0x00,
    ]);
    expect(readImageHeader(jpeg)).toEqual({ format: 'jpeg', width: 800, height: 600 });
  });

  it('does not take a DHT segment (0xC4, inside the SOF range) for a frame header', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xc4, 0x00, 0x07, 0x00, 0x00, 0x10, 0x00, 0x10, 0xff, 0xd9]);
    expect(invalid(jpeg)).toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
  });

  it('refuses other formats, empty input and truncated or damaged headers', () => {
    const cases: Uint8Array[] = [
      GIF_1X1,
      new Uint8Array(0),
      Buffer.from('hello, world'),
      PNG_3X2.subarray(0, 20), // IHDR cut short
      JPEG_5X3.subarray(0, 165), // ends inside the SOF0 segment
      Buffer.from([0xff, 0xd8]),
      Buffer.from([0xff, 0xd8, 0x00, 0x00]), // no marker where one must be
      Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08]), // scan data before any frame header
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01]), // segment length below 2
      Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 0x08, 0x00, 0x00, 0x00, 0x05, 0x01]), // height 0
      pngHeader(0, 5),
    ];
    for (const bytes of cases) expect(invalid(bytes)).toMatchObject({ code: 'INVALID_INPUT', field: 'content' });
  });

  it('names the image kind it refuses', () => {
    expect(String(invalid(GIF_1X1))).toContain('neither a PNG nor a JPEG');
  });
});
