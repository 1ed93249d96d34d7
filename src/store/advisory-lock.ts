import pg from "pg";

/**
 * A lock that one process at a time holds across every process on the database. It is held for as
 * long as a connection of its own lives: released by `release()`, and by PostgreSQL itself when the
 * holder dies or its connection is cut.
 */
export interface ExclusiveLock {
  /** Takes the lock if nobody holds it; true while this process holds it. */
  tryTake(): Promise<boolean>;
  /**
   * While held: true when the lock's connection still answers. False means the lock was lost (the
   * connection died, so PostgreSQL gave the lock away); take it again with tryTake().
   */
  stillHeld(): Promise<boolean>;
  release(): Promise<void>;
  readonly held: boolean;
}

/** One process only (SQLite): the lock is always this process's. */
export class LocalLock implements ExclusiveLock {
  held = false;
  async tryTake(): Promise<boolean> {
    this.held = true;
    return true;
  }
  async stillHeld(): Promise<boolean> {
    return this.held;
  }
  async release(): Promise<void> {
    this.held = false;
  }
}

/** How long a statement on the lock's connection may take before the connection counts as lost. */
const STATEMENT_TIMEOUT_MS = 5_000;

/**
 * pg_try_advisory_lock on a dedicated connection (never the pool's: a session lock belongs to the
 * connection that took it). The key names the lock within the current schema, so that databases
 * shared between deployments (or tests) on separate schemas do not block each other.
 */
export class PostgresAdvisoryLock implements ExclusiveLock {
  #client: pg.Client | undefined;
  #held = false;

  constructor(
    private readonly url: string,
    private readonly name: string,
  ) {}

  get held(): boolean {
    return this.#held;
  }

  async tryTake(): Promise<boolean> {
    if (this.#held) return this.stillHeld();
    const client = await this.#connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        "select pg_try_advisory_lock(hashtext('dockhand'), hashtext(current_schema() || ':' || $1)) as ok",
        [this.name],
      );
      this.#held = rows[0]?.ok === true;
      return this.#held;
    } catch (err) {
      this.#drop();
      throw err;
    }
  }

  async stillHeld(): Promise<boolean> {
    const client = this.#client;
    if (!this.#held || !client) return false;
    try {
      await client.query("select 1");
      return this.#held;
    } catch {
      this.#drop();
      return false;
    }
  }

  async release(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#held = false;
    // Ending the session releases every lock it holds.
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    const client = new pg.Client({
      connectionString: this.url,
      connectionTimeoutMillis: STATEMENT_TIMEOUT_MS,
      query_timeout: STATEMENT_TIMEOUT_MS,
      keepAlive: true,
      application_name: "dockhand-lock",
    });
    // A connection that dies takes the lock with it: remember that, and never crash on it.
    client.on("error", () => this.#drop(client));
    client.on("end", () => this.#drop(client));
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => undefined);
      throw new Error(`could not open the lock's connection: ${(err as Error).message}`);
    }
    this.#client = client;
    return client;
  }

  #drop(which = this.#client): void {
    if (which !== this.#client) return;
    this.#held = false;
    const client = this.#client;
    this.#client = undefined;
    void client?.end().catch(() => undefined);
  }
}
