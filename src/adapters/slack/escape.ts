/**
 * Slack's control characters. Slack parses `<…>` as mentions (`<!channel>`, `<@U1>`, `<#C1>`) and links
 * (`<https://…|text>`), so every `&`, `<` and `>` that is not meant as such a sequence must reach Slack as an
 * entity: https://docs.slack.dev/messaging/formatting-message-text#escaping
 */

/** Escapes &, < and > so user text can never form <!channel>, <!here>, <!everyone>, <@U..> or a link. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** U+2060 WORD JOINER: invisible, and it breaks every `<!…>`, `<@…>`, `<#…>` and `<http…>` sequence. */
export const JOINER = "\u2060";

/**
 * Text for a plain_text object (header, button label). Slack does not parse plain_text, and entities there
 * would show up literally, so `<` is not escaped but followed by an invisible word joiner: the text looks
 * the same, yet no copy of it (notification, unfurl, a client that parses it after all) can form a mention.
 */
export function neutralisePlain(text: string): string {
  return text.replace(/</g, `<${JOINER}`);
}

/**
 * A Slack link that may stay raw in mrkdwn: http(s) and mailto only (javascript:, slack:, file: are shown
 * as text). Sticky: set lastIndex, then exec.
 */
export const LINK = /<(?:https?:\/\/|mailto:)[^\s<>|]+(?:\|[^<>]*)?>/y;

/** A link target as slackify-markdown writes it: encoded with encodeURI unless it already looks encoded. */
function encodeTarget(url: string): string {
  return url !== decodeURIComponent(url) ? url : encodeURI(url);
}

const decodeEntities = (s: string) => s.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/**
 * A bare URL in the text (GFM's autolink literal: `https://…`, `www.…`, an e-mail address) is found by the
 * Markdown parser in the escaped source, so the entity of a `<` or `>` typed right after it becomes part
 * of the link (`https://x&gt;`), and the library escapes each entity's `&` a second time in the link text
 * of `https://` links. A link whose text is (the start of) its own address is such a link: it is rebuilt
 * to end where a typed `<` or `>` was, with its text escaped once; the rest is text. (The library may also
 * leave a raw `>` in such a text, which ends the link early for Slack and here: then that `>` shows a
 * little later than typed. Cosmetic, and only for a URL glued to a `<` or `>`.) Markdown links
 * ([text](url)) are left as they are.
 */
function repairAutolink(link: string): string {
  const body = link.slice(1, -1);
  const bar = body.indexOf("|");
  if (bar < 0) return link;
  const url = body.slice(0, bar);
  const text = body.slice(bar + 1);
  try {
    // the text escaped twice (scheme URLs) or once (www. and e-mail addresses)
    for (const shown of [text.replaceAll("&amp;", "&"), text]) {
      const end = shown.search(/&(?:lt|gt);/);
      const head = end < 0 ? shown : shown.slice(0, end);
      for (const prefix of ["", "http://", "mailto:"]) {
        const encoded = (s: string) => [encodeTarget(prefix + s), encodeTarget(prefix + decodeEntities(s))];
        const target = encoded(head).find(
          (t) => url === t || (url.startsWith(t) && /^(?:%3C|%3E|&lt;|&gt;)/i.test(url.slice(t.length))),
        );
        if (!head || target === undefined) continue;
        return `<${escapeSlack(encodeTarget(prefix + decodeEntities(head)))}|${head}>${shown.slice(head.length)}`;
      }
    }
  } catch {
    // a malformed %-escape or a lone surrogate: show the address as text
    return text;
  }
  return link;
}

/**
 * The last line of defence over slackify-markdown's output, which leaves some control characters raw:
 * it decodes `&lt;@U1&gt;` back to `<@U1>` and keeps it (it treats `<@`/`<#` as intended mentions), and
 * it escapes only one `>` per text node. Input was escaped before the conversion, so the only `<` that
 * may stay raw are the links the library built from Markdown links and URLs; every other `<` and `>` is
 * escaped here. A link whose text holds a stray `<` fails the pattern and is shown as text: safe, if plain.
 */
export function secureMrkdwn(mrkdwn: string): string {
  let out = "";
  let i = 0;
  while (i < mrkdwn.length) {
    const ch = mrkdwn[i];
    if (ch === "<") {
      LINK.lastIndex = i;
      const link = LINK.exec(mrkdwn);
      if (link) {
        out += repairAutolink(link[0]);
        i += link[0].length;
        continue;
      }
      out += "&lt;";
    } else if (ch === ">") out += "&gt;";
    else out += ch;
    i++;
  }
  return out;
}
