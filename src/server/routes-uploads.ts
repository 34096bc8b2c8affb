/**
 * Corpus uploads: the request body is the file (any Content-Type), at most `maxUpload` bytes;
 * it lands in <runs>/uploads/<name> atomically (a temporary file, then a rename), so a broken
 * upload leaves nothing and a reader never sees half a file. An existing file is not replaced.
 */
import type { Hono } from 'hono';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic.js';
import { readBody } from './body.js';
import { query, type ServerContext } from './context.js';
import { HttpError } from './http-error.js';

export const UPLOADS = 'uploads';

export function uploadRoutes(app: Hono, ctx: ServerContext): void {
  app.post('/api/uploads', async (c) => {
    const name = query(c, 'name');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(name) || name.includes('..')) {
      throw new HttpError(400, `name ${JSON.stringify(name)} must be a plain file name (letters, digits, . _ -; no folders)`);
    }
    if (!/\.(txt|text|json|jsonl|csv|tsv)(\.gz)?$/i.test(name)) throw new HttpError(400, `name ${JSON.stringify(name)} must end in .txt, .json, .jsonl, .csv or .tsv (optionally .gz)`);
    const dir = ctx.folder.target(UPLOADS, 'the uploads folder');
    const file = join(dir, name);
    if (existsSync(file)) throw new HttpError(409, `${UPLOADS}/${name} exists already: choose another name`);
    const body = await readBody(c.req.raw, ctx.maxUpload, 'the upload');
    if (body.length === 0) throw new HttpError(400, 'the upload is empty');
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(file, body);
    return c.json({ path: `${UPLOADS}/${name}`, bytes: body.length }, 201);
  });
}
