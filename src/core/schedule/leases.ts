/** Who asks for a claim, and for how long it holds it. */
export interface LeaseRequest {
  kind: string;
  key: string;
  owner: string;
  now: Date;
  leaseMs: number;
}

/**
 * `won`: the caller holds the claim until now + leaseMs. `resumed`: someone held it before and did
 * not finish (their lease ran out, or it is the caller's own earlier attempt), so the work may be
 * half done and must check what already happened before acting.
 */
export type LeaseResult = { won: false } | { won: true; resumed: boolean };

/** Leased claims of scheduled work: taken, renewed while the work runs, finished with a result. */
export interface LeaseClaims {
  take(r: LeaseRequest): Promise<LeaseResult>;
  renew(r: LeaseRequest): Promise<boolean>;
  finish(p: { kind: string; key: string; now: Date; result: string }): Promise<void>;
  release(p: { kind: string; key: string; owner: string }): Promise<void>;
  expired(
    kinds: string[],
    now: Date,
    limit?: number,
  ): Promise<{ kind: string; key: string; owner: string; at: Date }[]>;
}

/** What the scheduler needs from storage: one-shot claims (for skips) and leased claims. */
export interface Claims {
  claimOnce(p: { kind: string; key: string; owner: string; at: Date }): Promise<boolean>;
  claims: LeaseClaims;
}
