import type { Conversation } from './types.js';

/** `peer:bob`, `group:team`: the SDK's map key of a conversation as this user sees it. */
export function conversationKey(c: Conversation): string {
  return `${c.type}:${c.id}`;
}

let counter = 0;

/** A unique id for client-side use (clientMsgId, localMessageId, request ids). */
export function newId(prefix = ''): string {
  const random = globalThis.crypto?.randomUUID
    ? globalThis.crypto.randomUUID().replace(/-/g, '').slice(0, 16)
    : Math.random().toString(16).slice(2, 18);
  counter = (counter + 1) % 1_000_000;
  return `${prefix}${Date.now().toString(36)}${counter.toString(36)}${random}`;
}

/** The `exp` claim of a JWT in epoch ms, or undefined (the SDK does not verify tokens, it only plans renewals). */
export function tokenExpiry(token: string): number | undefined {
  const part = token.split('.')[1];
  if (!part) {
    return undefined;
  }
  try {
    const json = JSON.parse(base64UrlDecode(part)) as { exp?: unknown };
    return typeof json.exp === 'number' ? json.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

function base64UrlDecode(text: string): string {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  const binary = atob(base64);
  const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** base64 of a UTF-8 string or of any JSON value: the `data` of a command message. */
export function encodeCommand(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) {
    binary += String.fromCharCode(b);
  }
  return btoa(binary);
}

/** The text (or parsed JSON, when it is JSON) of a command message's base64 `data`. */
export function decodeCommand(data: string): unknown {
  const binary = atob(data);
  const text = new TextDecoder().decode(Uint8Array.from(binary, (ch) => ch.charCodeAt(0)));
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Backoff with "equal jitter": half the exponential step is fixed, half random, so a thousand clients that lost the
 * same server do not come back in one wave, and no retry is immediate.
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const step = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(step / 2 + random() * (step / 2));
}
