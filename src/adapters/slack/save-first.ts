import type { ServerResponse } from "node:http";
import { HTTPModuleFunctions } from "@slack/bolt";

/**
 * Presses that store something are stored before Slack gets its acknowledgement. Slack waits 3
 * seconds for it; the store gets most of that, the rest is for the network.
 */
export const SAVE_DEADLINE_MS = 2_000;

export const NOT_SAVED =
  "Sorry, I could not confirm that your press was saved (the database is slow or away). Please press it again in a moment; if it did get saved, your first answer stands.";

/** The acknowledgement of a command whose change could not be saved: it says so, and what to do. */
export function commandNotSaved(ref: string | undefined): string {
  return `Sorry, I could not save that${ref ? ` (ref ${ref})` : ""}: nothing is confirmed. Please try again in a moment.`;
}

/** The acknowledgement of a command whose change is still being saved when Slack's time is up. */
export const STILL_SAVING =
  "This is taking longer than it should (the database is slow). I will tell you here whether it was saved; until then, nothing is confirmed.";

/** A press that was not stored: the listener throws it so that Slack gets an error status, not an acknowledgement. */
export class NotSavedError extends Error {
  /** Bolt passes errors with a code on unchanged. */
  readonly code = "dockhand_not_saved";
  constructor() {
    super("the press could not be saved in time");
  }
}

/** The work's result, or undefined when it takes longer than ms (the work keeps running). */
export function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The HTTP receiver's error handler: an unsaved press gets 503 at once; anything else as Bolt does it. */
export async function refuseUnsaved(args: Parameters<typeof HTTPModuleFunctions.defaultProcessEventErrorHandler>[0]) {
  if (isNotSaved(args.error) && !args.response.headersSent) {
    (args.response as ServerResponse).writeHead(503, { "content-type": "text/plain" }).end("not saved");
    return true;
  }
  return HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
}

function isNotSaved(err: unknown): boolean {
  const e = err as { code?: unknown; original?: unknown } | null;
  return (
    e?.code === "dockhand_not_saved" || (e?.original as { code?: unknown } | undefined)?.code === "dockhand_not_saved"
  );
}
