/** Where Discord's Interactions Endpoint URL points: https://HOST/discord/interactions. */
export const DISCORD_INTERACTIONS_PATH = "/discord/interactions";
