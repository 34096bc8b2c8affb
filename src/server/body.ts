/**
 * Request bodies with a size limit: the limit is checked against Content-Length first and
 * then against the bytes as they arrive (a client may send more than it announced, or no
 * length at all), so an oversized body is refused without being held in memory.
 */
import { HttpError } from './http-error.js';

export async function readBody(req: Request, limit: number, what = 'the request body'): Promise<Buffer> {
  const announced = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > limit) throw new HttpError(413, `${what} is ${announced} bytes: at most ${limit} are taken`);
  if (!req.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new HttpError(413, `${what} is over ${limit} bytes: at most ${limit} are taken`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/** A JSON object body (Content-Type application/json), at most `limit` bytes. */
export async function readJson(req: Request, limit = 1 << 20): Promise<Record<string, unknown>> {
  const type = req.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, `send JSON with Content-Type: application/json (got ${JSON.stringify(type)})`);
  const text = (await readBody(req, limit)).toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, `the body is not valid JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new HttpError(400, 'the body must be a JSON object');
  return v as Record<string, unknown>;
}
