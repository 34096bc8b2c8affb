/**
 * A closed output pipe (`rnnlab sample … | head -1`) ends the command quietly with exit 0:
 * the reader has what it wanted, and a broken pipe is not the user's mistake. Without this,
 * Node reports the EPIPE of the next write as an unhandled error with a stack trace.
 */

/** Installed once by the CLI entry, before any command runs; covers every command's output. */
export function endQuietlyOnClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      // any other failure to write the output (a full disk behind a redirection, …): one line, exit 1
      try {
        if (stream !== process.stderr) process.stderr.write(`error: cannot write the output: ${e.code ?? e.message}\n`);
      } finally {
        process.exit(1);
      }
    });
  }
}

/**
 * True once a write to stdout has failed. The error event only arrives when the event loop
 * runs, so a command writing inside a long synchronous loop (`--stream`) asks this to stop early.
 */
export function outputClosed(): boolean {
  return process.stdout.errored != null;
}
