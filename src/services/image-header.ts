import type { ScreenshotFormat } from '../entities/screenshot.js';
import { InvalidInputError } from '../errors.js';

/**
 * What an image's header says about it, as {@link readImageHeader} returns it.
 *
 * @example
 * const { format, width, height }: ImageHeader = readImageHeader(png);
 */
export interface ImageHeader {
  format: ScreenshotFormat;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG's limit on a dimension, which is also PostgreSQL's `int`. */
const MAX_DIMENSION = 2 ** 31 - 1;

/**
 * Reads format, width and height from the header of a PNG (its IHDR chunk) or a JPEG (its
 * first SOFn frame header). Only the header is read; the pixel data is not checked.
 *
 * @throws INVALID_INPUT (field `content`) for anything else, or a truncated or malformed header.
 * @example
 * readImageHeader(bytes); // { format: 'png', width: 1280, height: 800 }
 */
export function readImageHeader(bytes: Uint8Array, field = 'content'): ImageHeader {
  if (startsWith(bytes, PNG_SIGNATURE)) return readPng(bytes, field);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return readJpeg(bytes, field);
  throw new InvalidInputError(field, 'is neither a PNG nor a JPEG image');
}

function readPng(bytes: Uint8Array, field: string): ImageHeader {
  // Signature (8), then the first chunk, which must be IHDR: length (4), type (4), width (4), height (4).
  if (bytes.length < 24 || ascii(bytes, 12, 4) !== 'IHDR' || uint32(bytes, 8) !== 13) {
    throw new InvalidInputError(field, 'is a PNG without a valid IHDR header');
  }
  return dimensions('png', uint32(bytes, 16), uint32(bytes, 20), field);
}

function readJpeg(bytes: Uint8Array, field: string): ImageHeader {
  let pos = 2;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) throw new InvalidInputError(field, 'is a JPEG with a malformed marker');
    // Any number of 0xFF fill bytes may precede a marker.
    while (bytes[pos] === 0xff) pos++;
    if (pos >= bytes.length) break;
    const marker = bytes[pos++];
    // Markers without a length: TEM and RST0–7.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd9 || marker === 0xda) break; // EOI or start of scan before any frame header
    if (pos + 2 > bytes.length) break;
    const length = uint16(bytes, pos);
    if (length < 2) throw new InvalidInputError(field, 'is a JPEG with a malformed segment length');
    // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      // length (2), precision (1), height (2), width (2)
      if (length < 7 || pos + 7 > bytes.length) break;
      return dimensions('jpeg', uint16(bytes, pos + 5), uint16(bytes, pos + 3), field);
    }
    pos += length;
  }
  throw new InvalidInputError(field, 'is a JPEG without a frame header (SOFn) giving its size');
}

function dimensions(format: ScreenshotFormat, width: number, height: number, field: string): ImageHeader {
  if (width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new InvalidInputError(field, `is a ${format.toUpperCase()} whose header gives no valid size`);
  }
  return { format, width, height };
}

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((byte, i) => bytes[i] === byte);
}

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 8) | bytes[at + 1];
}

function uint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) >>> 0) + ((bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]);
}

function ascii(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}
