/** Who sees a reply: everyone in the channel, or only the person who asked. */
export type Visibility = "channel" | "ephemeral";

/** A button: a label and a compact, versioned action id (see actions.ts). */
export interface Button {
  label: string;
  action: string;
  style?: "primary" | "danger";
}

/** A side-by-side comparison: one column per side, one row per aspect. */
export interface ComparisonTable {
  sides: string[];
  rows: { aspect: string; values: string[] }[];
}

/**
 * A platform-neutral reply: plain data that each adapter renders within its platform's limits.
 * `text` is Markdown; `fallback` is plain text for notifications and terminals without rendering.
 */
export interface Reply {
  header?: string;
  text?: string;
  fields?: { label: string; value: string }[];
  comparison?: ComparisonTable;
  code?: string;
  bullets?: string[];
  buttons?: Button[];
  context?: string;
  visibility: Visibility;
  fallback: string;
  /** For a button press: replace the message the button was on instead of posting a new one. */
  replaceOriginal?: boolean;
  /** The request failed on Dockhand's side (the generic error reply): whatever it asked for may not be done. */
  failed?: boolean;
  /** With `failed`: the reference id logged with the error, to quote to whoever runs Dockhand. */
  ref?: string;
}

/** Builds a reply, deriving the plain-text fallback from its parts when none is given. */
export function reply(
  parts: Omit<Reply, "fallback" | "visibility"> & Partial<Pick<Reply, "fallback" | "visibility">>,
): Reply {
  const fallback =
    parts.fallback ??
    [parts.header, parts.text, ...(parts.bullets ?? []).map((b) => `- ${b}`), parts.context]
      .filter((p): p is string => !!p)
      .join("\n");
  return { visibility: "channel", ...parts, fallback: fallback || "(empty reply)" };
}

/** An only-me reply with one line of text: confirmations, refusals and user errors. */
export function notice(text: string): Reply {
  return reply({ text, visibility: "ephemeral" });
}
