/**
 * An error the user caused and can fix: it carries a stable code and a message that says what to
 * type instead. Everything else is a bug, logged with a reference id and answered generically.
 */
export class UserError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "UserError";
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
