/** The chat platforms Dockhand speaks on; the terminal chat counts as one. */
export type Platform = "slack" | "discord" | "console";
