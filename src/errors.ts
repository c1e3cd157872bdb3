/**
 * The one error type of vmbackup. Every failure a user can meet carries a stable `code` (for
 * scripts and the exit-code table in cli/), a sentence for people, and a `hint`: what to do next.
 * Only cli/ turns codes into exit codes; lower layers never call process.exit.
 */
export class VmbackupError extends Error {
  readonly code: string;
  readonly hint: string | undefined;

  constructor(code: string, message: string, hint?: string) {
    super(message);
    this.name = 'VmbackupError';
    this.code = code;
    this.hint = hint;
  }
}
