/**
 * Access tokens of the identity service. Like Marketo, asking for a token while the current
 * one is still valid returns *the same token* with its remaining lifetime, so a client cannot
 * renew early: it gets a new token only after the old one has expired.
 */
import { randomUUID } from "node:crypto";

interface Token {
  value: string;
  expiresAt: number;
  expired: boolean;
}

export type TokenCheck = "ok" | "601" | "602";

export class TokenRegistry {
  private readonly tokens = new Map<string, Token>();
  private current: Token | undefined;

  constructor(
    private readonly ttlSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  private live(token: Token | undefined): token is Token {
    return token !== undefined && !token.expired && token.expiresAt > this.clock();
  }

  /** The current token (issuing one when none is valid) and its remaining whole seconds. */
  issue(): { value: string; expiresIn: number } {
    if (!this.live(this.current)) {
      this.current = {
        value: `${randomUUID()}:ab`,
        expiresAt: this.clock() + this.ttlSeconds * 1000,
        expired: false,
      };
      this.tokens.set(this.current.value, this.current);
    }
    const expiresIn = Math.max(0, Math.floor((this.current.expiresAt - this.clock()) / 1000));
    return { value: this.current.value, expiresIn };
  }

  /** The current valid token, if any, without issuing one. */
  peek(): string | undefined {
    return this.live(this.current) ? this.current.value : undefined;
  }

  check(value: string | undefined): TokenCheck {
    const token = value ? this.tokens.get(value) : undefined;
    if (!token) return "601";
    return this.live(token) ? "ok" : "602";
  }

  /** Every token answers 602 from now on (the identity service issues a new one). */
  expireAll(): void {
    for (const token of this.tokens.values()) token.expired = true;
  }

  /** Every token is forgotten and answers 601 (e.g. the API user's secret was reset). */
  invalidateAll(): void {
    this.tokens.clear();
    this.current = undefined;
  }
}
