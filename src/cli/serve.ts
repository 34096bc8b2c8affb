/**
 * `rnnlab serve`: the dashboard's local web server over a runs folder. It prints its address
 * (with the token when it listens beyond loopback) and runs until Ctrl-C, which stops the
 * training jobs it started as Ctrl-C stops `rnnlab train` (last.safetensors saved).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { RnnlabError } from '../errors.js';
import { createServer } from '../server/app.js';
import { isLoopback } from '../server/security.js';
import { int, oneOf } from './parse.js';

export const DEFAULT_PORT = 7878;

export function serveCommand(): Command {
  return new Command('serve').description('the dashboard: a local web server over a runs folder (runs, training, generation, inspection)')
    .option('--runs <dir>', 'the runs folder it shows and trains into (default: runs, created when missing)')
    .option('--port <n>', `port (0: any free port; default ${DEFAULT_PORT})`, int(0, 65535), DEFAULT_PORT)
    .option('--host <addr>', 'address to listen on (default 127.0.0.1; any other address requires the token printed at start)', '127.0.0.1')
    .option('--open', 'open the address in a browser', false)
    .option('--jobs <n>', 'training runs at once; more wait in order (default: half the cores, at least 1)', int(1, 256))
    .option('--max-upload <MiB>', 'largest corpus upload, in MiB', int(1, 65536), 64)
    .option('--backend <name>', 'compute backend of training and generation: auto, native, wasm or js (env RNNLAB_BACKEND)', oneOf('auto', 'native', 'wasm', 'js'))
    .option('--debug', 'print stack traces on errors');
}

function openBrowser(url: string): void {
  const [cmd, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => process.stderr.write(`note: could not open a browser (${cmd}); open ${url} yourself\n`));
    child.unref();
  } catch {
    process.stderr.write(`note: could not open a browser; open ${url} yourself\n`);
  }
}

export async function serveAction(o: Record<string, any>): Promise<void> {
  const runsDir: string = o.runs ?? 'runs';
  if (!existsSync(runsDir)) {
    if (o.runs !== undefined) throw new RnnlabError(`--runs ${runsDir}: no such folder`);
    mkdirSync(runsDir, { recursive: true });
  } else if (!statSync(runsDir).isDirectory()) {
    throw new RnnlabError(`--runs ${runsDir} is a file, not a folder`);
  }
  const host: string = o.host;
  const token = isLoopback(host) ? undefined : randomBytes(18).toString('base64url');
  const server = createServer({ runsDir, host, port: o.port, token, jobs: o.jobs, maxUpload: o.maxUpload * (1 << 20), backend: o.backend ?? process.env.RNNLAB_BACKEND });
  let url: string;
  try {
    url = await server.listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new RnnlabError(`--port ${o.port} is in use on ${host}: choose another --port (0: any free port)`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new RnnlabError(`--host ${host} is not an address of this machine`);
    if (code === 'EACCES') throw new RnnlabError(`--port ${o.port} needs privileges on this machine: choose a port above 1023`);
    throw e;
  }
  const page = token ? `${url}/?token=${token}` : `${url}/`;
  process.stdout.write(`rnnlab serve: ${page}\n`);
  process.stderr.write(`runs folder: ${server.stats().runs_dir} · Ctrl-C stops the server (and its training runs, saving last.safetensors)\n`);
  if (token) process.stderr.write(`listening beyond loopback: every request needs the token (Authorization: Bearer ${token}, or ?token=)\n`);
  if (o.open) openBrowser(page);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: NodeJS.Signals) => {
      if (stopping) process.exit(sig === 'SIGINT' ? 130 : 143);
      stopping = true;
      process.stderr.write(`\n${sig}: stopping (training runs save last.safetensors; again to quit at once)\n`);
      server.close().then(resolve, resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
