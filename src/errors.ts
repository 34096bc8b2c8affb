/**
 * The one error type users see. Its message is a complete, single-line sentence; the CLI
 * prints it as `error: <message>` and exits non-zero (stack traces only with --debug).
 */
export class RnnlabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RnnlabError';
  }
}
