import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

/**
 * The server side of a WebSocket (RFC 6455), shared by the Slack and Discord stand-ins: the
 * handshake, masked client frames (fragmented or not), text frames out, ping/pong and the close
 * handshake with status codes. Clients it serves: Slack's Socket Mode (undici's WebSocket) and
 * discord.js's @discordjs/ws (the `ws` package). No extension is accepted, so `ws`'s offer of
 * permessage-deflate is declined and every frame arrives uncompressed (RSV bits clear).
 */
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

const OP = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export class WsConnection {
  private buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closed = false;
  private closeSent = false;
  /** The status code of the close frame the client sent; 1005 when it had none, 1006 when the TCP connection just ended. */
  closeCode: number | undefined;
  private readonly messageHandlers: ((text: string) => void)[] = [];
  private readonly closeHandlers: ((code: number) => void)[] = [];

  constructor(
    private readonly socket: Duplex,
    head?: Buffer,
  ) {
    if (head?.length) this.buffer = Buffer.from(head);
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.drain();
    });
    // HTTP servers allow half-open sockets: end our side when the client ends its side.
    socket.on("end", () => socket.end());
    socket.on("close", () => this.finish());
    socket.on("error", () => this.finish());
    if (head?.length) queueMicrotask(() => this.drain());
  }

  get open(): boolean {
    return !this.closed;
  }

  onMessage(handler: (text: string) => void): void {
    this.messageHandlers.push(handler);
  }

  /** Called once, with the client's close code (see `closeCode`). */
  onClose(handler: (code: number) => void): void {
    this.closeHandlers.push(handler);
  }

  send(text: string): void {
    if (this.closeSent) return;
    this.frame(OP.text, Buffer.from(text, "utf8"));
  }

  /** Starts the close handshake; the socket ends when the client answers (or at once with `now`). */
  close(code = 1000, now = false): void {
    if (this.closed) return;
    if (!this.closeSent) {
      const payload = Buffer.alloc(2);
      payload.writeUInt16BE(code);
      this.frame(OP.close, payload);
      this.closeSent = true;
    }
    if (now) this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): void {
    if (this.closed || this.socket.destroyed) return;
    const n = payload.length;
    const head = n < 126 ? Buffer.alloc(2) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    if (n < 126) head[1] = n;
    else if (n < 65536) {
      head[1] = 126;
      head.writeUInt16BE(n, 2);
    } else {
      head[1] = 127;
      head.writeBigUInt64BE(BigInt(n), 2);
    }
    this.socket.write(Buffer.concat([head, payload]));
  }

  private drain(): void {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const fin = ((b[0] as number) & 0x80) !== 0;
      if (((b[0] as number) & 0x70) !== 0) {
        // A reserved bit without a negotiated extension: a protocol error (RFC 6455 5.2).
        this.close(1002, true);
        return;
      }
      const opcode = (b[0] as number) & 0x0f;
      const masked = ((b[1] as number) & 0x80) !== 0;
      let len = (b[1] as number) & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) return;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) return;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const maskAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + len) return;
      const payload = Buffer.from(b.subarray(offset, offset + len));
      if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] as number) ^ (b[maskAt + (i % 4)] as number);
      this.buffer = b.subarray(offset + len);
      this.handle(opcode, fin, payload);
    }
  }

  private handle(opcode: number, fin: boolean, payload: Buffer): void {
    if (opcode === OP.ping) {
      this.frame(OP.pong, payload);
      return;
    }
    if (opcode === OP.pong) return;
    if (opcode === OP.close) {
      // Echo the client's status code (unless we started the handshake), then end the TCP connection.
      this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      if (!this.closeSent) this.frame(OP.close, payload.subarray(0, 2));
      this.closeSent = true;
      this.socket.end();
      this.finish();
      return;
    }
    if (opcode === OP.text || opcode === OP.binary || opcode === OP.continuation) {
      this.fragments.push(payload);
      if (!fin) return;
      const text = Buffer.concat(this.fragments).toString("utf8");
      this.fragments = [];
      for (const h of this.messageHandlers) h(text);
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeCode ??= 1006;
    for (const h of this.closeHandlers) h(this.closeCode);
  }
}

/** Completes the opening handshake of an HTTP upgrade request; undefined when it is not a WebSocket one. */
export function acceptWebSocket(req: IncomingMessage, socket: Duplex, head?: Buffer): WsConnection | undefined {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || req.headers.upgrade?.toLowerCase() !== "websocket") {
    socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
    return undefined;
  }
  const accept = createHash("sha1").update(`${key}${GUID}`).digest("base64");
  socket.write(
    [
      "HTTP/1.1 101 Switching Protocols",
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Accept: ${accept}`,
      "",
      "",
    ].join("\r\n"),
  );
  return new WsConnection(socket, head);
}
