/**
 * Commands that already exist as CLI commands with `--json` output (compare-strategies,
 * classify eval) run as the CLI itself in a child process: the same checks, files and numbers
 * as in the shell, off the server's event loop. The CLI's one-line error (exit 1) becomes a
 * 400 with that line; anything else is a 500.
 */
import { spawn } from 'node:child_process';
import { HttpError } from './http-error.js';
import { CLI } from './jobs.js';

export function runCli(args: readonly string[], backend: string | undefined, signal?: AbortSignal, timeoutMs = 10 * 60_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args, ...(backend ? ['--backend', backend] : [])], {
      env: { ...process.env, RNNLAB_QUIET_FALLBACK: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-16384)));
    const kill = () => child.kill('SIGKILL');
    const timer = setTimeout(kill, timeoutMs);
    signal?.addEventListener('abort', kill);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      if (code === 0) {
        try {
          return resolve(JSON.parse(out));
        } catch {
          return reject(new Error(`rnnlab ${args[0]} printed no JSON`));
        }
      }
      const line = err.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('error:')).at(-1);
      if (code === 1 && line) return reject(new HttpError(400, line.replace(/^error:\s*/, '')));
      reject(new Error(`rnnlab ${args[0]} ended with code ${code}: ${err.trim().split('\n').at(-1) ?? ''}`));
    });
  });
}
