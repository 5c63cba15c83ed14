// Blob storage of merchant documents behind an interface an S3-compatible store can implement.
// The default keeps files in `${dataDir}/blobs`, under random keys that reveal nothing.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AppContext } from '../../platform/context.js';

export interface BlobStore {
  put(key: string, bytes: Buffer, contentType: string): Promise<void>;
  /** The bytes, or null when no blob has this key. */
  get(key: string): Promise<Buffer | null>;
  delete(key: string): Promise<void>;
}

export function newBlobKey(): string {
  return randomBytes(24).toString('hex');
}

const blobKeyPattern = /^[0-9a-f]{48}$/;

export class LocalBlobStore implements BlobStore {
  constructor(private readonly dir: string) {}

  #path(key: string): string {
    if (!blobKeyPattern.test(key)) throw new Error('Blob keys are 48 hex digits');
    return join(this.dir, key.slice(0, 2), key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.#path(key);
    await mkdir(join(this.dir, key.slice(0, 2)), { recursive: true, mode: 0o700 });
    await writeFile(path, bytes, { mode: 0o600, flag: 'wx' });
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }
}

const stores = new WeakMap<AppContext, BlobStore>();

/** The blob store of this process: local by default; `setBlobStore` installs another (S3, tests). */
export function blobStoreOf(ctx: AppContext): BlobStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new LocalBlobStore(join(ctx.config.dataDir, 'blobs'));
    stores.set(ctx, store);
  }
  return store;
}

export function setBlobStore(ctx: AppContext, store: BlobStore): void {
  stores.set(ctx, store);
}

export type DocumentContentType = 'image/jpeg' | 'image/png' | 'application/pdf';

/** The content type from the file's first bytes (never from the client's header), or null. */
export function sniffContentType(bytes: Buffer): DocumentContentType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= 8 && png.every((b, i) => bytes[i] === b)) return 'image/png';
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  return null;
}
