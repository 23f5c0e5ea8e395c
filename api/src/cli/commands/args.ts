// Argument parsers shared by the commands: each says what a good value looks like.
import { InvalidArgumentError } from 'commander';
import { z } from 'zod';

export function parsePort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('a port is a number from 0 to 65535');
  }
  return n;
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a whole number of 1 or more');
  return n;
}

export function parseEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (!z.email().safeParse(email).success) throw new InvalidArgumentError('an e-mail address, like ana@example.com');
  return email;
}

export function parseSlackUser(value: string): string {
  const v = value.trim().toUpperCase();
  if (!/^[UW][A-Z0-9]{6,}$/.test(v)) throw new InvalidArgumentError('a Slack user id looks like U0123ABCD');
  return v;
}

export function parseHead(value: string): { seq: string; hash: string } {
  const m = /^(\d+):([0-9a-f]{64})$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('a head looks like <seq>:<64 hex digits>, as printed by `audit verify`');
  return { seq: m[1] as string, hash: m[2] as string };
}
