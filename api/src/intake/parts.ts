// A mail's content, part by part, each with what protects it. A mail is not
// one thing: a clear-signed block can come with unsigned text around it, a
// mailing list wraps a signed part in multipart/mixed with its footer, a mail
// can be partly encrypted. So the MIME tree is walked here (its structure with
// mime.ts's exact splits, each leaf decoded by mailparser), and every piece of
// text is kept as a segment with its own provenance: whether it was decrypted,
// and whose signature covers it. `presentable` then shows as the mail's text
// only what its status claims; anything else is kept apart, labelled.

import { simpleParser } from 'mailparser';
import type { SignatureCheck } from '../services/pgp.ts';
import { canonicalLines, multipartParts, splitEntity } from './mime.ts';

export interface Provenance {
  encrypted: boolean;
  signature: SignatureCheck;
}

export interface Segment extends Provenance {
  text: string;
}

export interface WalkedAttachment {
  filename: string;
  contentType: string;
  content: Buffer;
  encrypted: boolean;
  /** The signature check of the part it came in: a file added outside the signed part is UNSIGNED. */
  signature: SignatureCheck['status'];
}

export interface Walked {
  segments: Segment[];
  attachments: WalkedAttachment[];
  /** Public keys the sender attached (application/pgp-keys). */
  offeredKeys: string[];
  /** The Subject protected inside the signature or the encryption (RFC 9788 style), if any. */
  protectedSubject: string | null;
  /** Each signed or encrypted layer met: the status of a mail that has no text at all. */
  layers: Provenance[];
}

/** What the walk needs from OpenPGP (the caller's keys, date and error mapping). */
export interface PgpOps {
  /** Decrypts an OpenPGP message for the PSIRT: its content and the signature inside. */
  open(input: string | Uint8Array): Promise<{ data: Uint8Array; signature: SignatureCheck }>;
  verifyCleartext(armored: string): Promise<{ text: string; signature: SignatureCheck }>;
  verifyDetached(data: Uint8Array, armoredSignature: string): Promise<SignatureCheck>;
}

/** A mail that cannot be walked: the reason's words, for the quarantine. */
export class WalkRefused extends Error {
  constructor(
    readonly reason: 'MALFORMED_MIME' | 'UNREADABLE_PGP',
    message: string,
  ) {
    super(message);
  }
}

export const MIME_LIMITS = { depth: 30, parts: 500 } as const;

const PLAIN: Provenance = { encrypted: false, signature: { status: 'UNSIGNED' } };

type ContentType = { value: string; params: Record<string, string> };

interface Header {
  type: ContentType;
  disposition: string | null;
  filename: string | null;
  subject: string | null;
}

/** The headers of an entity that the walk needs, decoded (mailparser on the header block alone). */
async function headerOf(header: string): Promise<Header> {
  const parsed = await simpleParser(Buffer.from(`${header}\r\n\r\n`, 'latin1'), { skipHtmlToText: true });
  const type = (parsed.headers.get('content-type') as ContentType | undefined) ?? {
    value: 'text/plain',
    params: {},
  };
  const disp = parsed.headers.get('content-disposition') as ContentType | undefined;
  return {
    type: { value: type.value.toLowerCase(), params: type.params ?? {} },
    disposition: disp?.value?.toLowerCase() ?? null,
    filename: disp?.params?.filename ?? type.params?.name ?? null,
    subject: parsed.subject?.trim() || null,
  };
}

export async function walkMail(raw: Buffer, pgp: PgpOps): Promise<Walked> {
  const out: Walked = { segments: [], attachments: [], offeredKeys: [], protectedSubject: null, layers: [] };
  let count = 0;

  /** Walks one entity (latin1: a char per byte) under a provenance. `top`: the first entity of a protected payload. */
  async function walk(entity: string, ctx: Provenance, depth: number, top: boolean): Promise<void> {
    count += 1;
    if (count > MIME_LIMITS.parts) {
      throw new WalkRefused('MALFORMED_MIME', `more than ${MIME_LIMITS.parts} MIME parts`);
    }
    if (depth > MIME_LIMITS.depth) {
      throw new WalkRefused('MALFORMED_MIME', `MIME nested deeper than ${MIME_LIMITS.depth} levels`);
    }
    const { header, body } = splitEntity(entity);
    const h = await headerOf(header);
    // Protected headers: the Subject on the entity the encryption or a valid signature covers.
    // Under a signature that does not verify it is anyone's words, and the outer Subject stays.
    const vouched = ctx.encrypted || ctx.signature.status === 'VALID';
    if (top && vouched && h.subject && !out.protectedSubject) out.protectedSubject = h.subject;
    const { value: type, params } = h.type;

    if (type === 'multipart/encrypted') {
      if (params.protocol?.toLowerCase() !== 'application/pgp-encrypted') {
        throw new WalkRefused('MALFORMED_MIME', `multipart/encrypted with protocol "${params.protocol ?? ''}"`);
      }
      const parts = params.boundary ? multipartParts(body, params.boundary) : null;
      const payload = parts?.[1];
      if (!payload) {
        throw new WalkRefused(
          'MALFORMED_MIME',
          'multipart/encrypted without its application/pgp-encrypted and application/octet-stream parts',
        );
      }
      const leaf = await simpleParser(Buffer.from(payload, 'latin1'));
      const content = leaf.attachments[0]?.content ?? Buffer.from(leaf.text ?? '', 'utf8');
      const opened = await pgp.open(armouredOrBinary(content));
      // Signed then encrypted as two layers (RFC 3156 §6.1): the inner signature speaks for what it covers.
      const inner: Provenance = { encrypted: true, signature: opened.signature };
      out.layers.push(inner);
      await walk(Buffer.from(opened.data).toString('latin1'), inner, depth + 1, true);
      return;
    }
    if (type === 'multipart/signed') {
      if (params.protocol?.toLowerCase() !== 'application/pgp-signature' || !params.boundary) {
        throw new WalkRefused(
          'MALFORMED_MIME',
          'multipart/signed without protocol application/pgp-signature or a boundary',
        );
      }
      const parts = multipartParts(body, params.boundary);
      if (parts?.length !== 2) throw new WalkRefused('MALFORMED_MIME', 'multipart/signed needs exactly two parts');
      const signature = splitEntity(parts[1] as string).body;
      if (!signature.includes('-----BEGIN PGP SIGNATURE-----')) {
        throw new WalkRefused('UNREADABLE_PGP', 'the signature part holds no armoured OpenPGP signature');
      }
      const signed = Buffer.from(canonicalLines(parts[0] as string), 'latin1');
      const check = await pgp.verifyDetached(new Uint8Array(signed), signature);
      // Inside an encryption the outer layer's signature (if any) is replaced by this one.
      const inner: Provenance = { encrypted: ctx.encrypted, signature: check };
      out.layers.push(inner);
      await walk(parts[0] as string, inner, depth + 1, true);
      return;
    }
    if (type.startsWith('multipart/')) {
      const parts = params.boundary ? multipartParts(body, params.boundary) : null;
      if (!parts) throw new WalkRefused('MALFORMED_MIME', `${type} without its closing boundary`);
      let children = parts;
      if (type === 'multipart/alternative') {
        // One of the alternatives: the plain text when there is one.
        const heads = await Promise.all(parts.map((p) => headerOf(splitEntity(p).header)));
        const plain = heads.findIndex((x) => x.type.value === 'text/plain');
        children = [parts[plain >= 0 ? plain : parts.length - 1] as string];
      }
      for (const child of children) await walk(child, ctx, depth + 1, false);
      return;
    }
    await leaf(entity, h, ctx, top);
  }

  async function leaf(entity: string, h: Header, ctx: Provenance, top: boolean): Promise<void> {
    const type = h.type.value;
    // A legacy display of protected headers (Enigmail's and Thunderbird's text/rfc822-headers or
    // text/plain marked protected-headers, RFC 9788's hp-legacy-display): a copy of the Subject
    // beside the body, not the reporter's words. Only ever a part beside the body: the protected
    // payload's own top entity carries the same marker and is the body itself.
    const legacyDisplay =
      h.type.params['hp-legacy-display'] === '1' ||
      (h.type.params['protected-headers'] && (type === 'text/rfc822-headers' || type === 'text/plain'));
    if (legacyDisplay && !top) return;
    if (type === 'application/pgp-signature' || type === 'application/pgp-encrypted') return;
    const parsed = await simpleParser(Buffer.from(entity, 'latin1'));
    const attachment = h.disposition === 'attachment' || !(type === 'text/plain' || type === 'text/html');
    if (!attachment) {
      if (type === 'text/html') {
        // An HTML body: its text (mailparser converts with html-to-text), read for inline OpenPGP as
        // plain text is (Outlook and Thunderbird send armour as HTML lines), the original kept as an attachment.
        await inlineText(parsed.text ?? '', ctx);
        out.attachments.push({
          filename: h.filename ?? 'message.html',
          contentType: 'text/html',
          content: Buffer.from(parsed.html || '', 'utf8'),
          encrypted: ctx.encrypted,
          signature: ctx.signature.status,
        });
        return;
      }
      await inlineText(parsed.text ?? '', ctx);
      return;
    }
    const file = parsed.attachments[0];
    const content = file?.content ?? Buffer.from(parsed.text ?? '', 'utf8');
    const name = h.filename ?? file?.filename ?? 'attachment';
    const asText = content.toString('latin1');
    if (type === 'application/pgp-keys' || asText.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----')) {
      out.offeredKeys.push(asText);
      return;
    }
    const isEncrypted =
      /\.(pgp|gpg)$/i.test(name) || (/\.asc$/i.test(name) && asText.includes('-----BEGIN PGP MESSAGE-----'));
    if (isEncrypted) {
      const opened = await pgp.open(armouredOrBinary(content));
      out.attachments.push({
        filename: name.replace(/\.(pgp|gpg|asc)$/i, ''),
        contentType: 'application/octet-stream',
        content: Buffer.from(opened.data),
        encrypted: true,
        // Signed inside its own encryption, or covered by the part it came in.
        signature: opened.signature.status !== 'UNSIGNED' ? opened.signature.status : ctx.signature.status,
      });
      return;
    }
    out.attachments.push({
      filename: name,
      contentType: file?.contentType ?? type,
      content,
      encrypted: ctx.encrypted,
      signature: ctx.signature.status,
    });
  }

  /** Text with inline OpenPGP: each armoured block is its own segment, the text around it another. */
  async function inlineText(text: string, ctx: Provenance): Promise<void> {
    let at = 0;
    for (const b of armouredBlocks(text)) {
      push(text.slice(at, b.index), ctx);
      if (b.kind === 'message') {
        const opened = await pgp.open(tidyArmour(b.text));
        const inner = new TextDecoder().decode(opened.data);
        // Encrypted and clear-signed inside: the clear signature speaks for its text.
        const clear = armouredBlocks(inner).some((x) => x.kind === 'signed');
        if (clear && opened.signature.status === 'UNSIGNED') {
          await inlineText(inner, { encrypted: true, signature: opened.signature });
        } else push(inner, { encrypted: true, signature: opened.signature });
      } else {
        const verified = await pgp.verifyCleartext(b.text);
        push(verified.text, { encrypted: ctx.encrypted, signature: verified.signature });
      }
      at = b.index + b.text.length;
    }
    push(text.slice(at), ctx);
  }

  function push(text: string, p: Provenance) {
    // Stored as text, which takes no NUL.
    const clean = text.replace(/\0/g, '').trim();
    if (clean) out.segments.push({ ...p, text: clean });
  }

  await walk(raw.toString('latin1'), PLAIN, 0, false);
  return out;
}

/**
 * An armoured message as mail clients mangle it — lines padded with spaces or
 * no-break spaces (an HTML `&nbsp;` line, a quoted-printable `=C2=A0`), blank
 * lines doubled by an HTML conversion — put back in shape: the BEGIN line, its
 * headers, one blank line, the base64 and checksum lines, the END line. Only
 * the framing moves; a byte of the data that is wrong stays wrong (the
 * checksum and the decryption still fail). Hand-written: openpgp.js reads only
 * well-formed armour, and no library repairs it.
 */
export function tidyArmour(block: string): string {
  const lines = block.split(/\r?\n/).map((l) => l.replace(/^[\s\u00a0]+|[\s\u00a0]+$/gu, ''));
  const [begin = '', ...rest] = lines;
  const end = rest.pop() ?? '';
  const inner = rest.filter(Boolean);
  const headers: string[] = [];
  while (inner.length && /^[A-Za-z][A-Za-z-]*: /.test(inner[0] as string)) headers.push(inner.shift() as string);
  return [begin, ...headers, '', ...inner, end].join('\n');
}

const armouredOrBinary = (content: Buffer) => {
  const text = content.toString('latin1');
  return text.includes('-----BEGIN PGP MESSAGE-----') ? text : new Uint8Array(content);
};

const strength = (p: Provenance) =>
  (p.signature.status === 'VALID' ? 4 : p.signature.status !== 'UNSIGNED' ? 2 : 0) + (p.encrypted ? 1 : 0);
const sameAs = (a: Provenance, b: Provenance) =>
  a.encrypted === b.encrypted && a.signature.status === b.signature.status && a.signature.signer === b.signature.signer;

/** How a segment's provenance is labelled where it is shown apart. */
export function describeProvenance(p: Provenance): string {
  const sig =
    p.signature.status === 'UNSIGNED'
      ? 'not signed'
      : p.signature.status === 'VALID'
        ? 'signed (valid)'
        : `signature ${p.signature.status}`;
  return `${sig}, ${p.encrypted ? 'encrypted' : 'not encrypted'}`;
}

/**
 * What a mail shows: its status is that of its best-protected text, and its
 * text only the segments with exactly that status. Every other segment is kept
 * apart (`unverified`), each labelled with what it is — never merged into text
 * that is shown as signed or encrypted.
 */
export function presentable(
  segments: readonly Segment[],
  layers: readonly Provenance[] = [],
): {
  status: Provenance;
  text: string;
  unverified: string | null;
} {
  if (segments.length === 0) {
    // No text at all (attachments only): the mail is what its outermost protection says.
    const status = layers.reduce<Provenance>((a, b) => (strength(b) > strength(a) ? b : a), PLAIN);
    return { status: { encrypted: status.encrypted, signature: status.signature }, text: '', unverified: null };
  }
  const best = segments.reduce((a, b) => (strength(b) > strength(a) ? b : a));
  const shown = segments.filter((s) => sameAs(s, best));
  const apart = segments.filter((s) => !sameAs(s, best));
  return {
    status: { encrypted: best.encrypted, signature: best.signature },
    text: shown.map((s) => s.text).join('\n\n'),
    unverified: apart.length ? apart.map((s) => `[${describeProvenance(s)}]\n${s.text}`).join('\n\n') : null,
  };
}

const ARMOURS = [
  { kind: 'message', begin: '-----BEGIN PGP MESSAGE-----', end: '-----END PGP MESSAGE-----' },
  { kind: 'signed', begin: '-----BEGIN PGP SIGNED MESSAGE-----', end: '-----END PGP SIGNATURE-----' },
] as const;

/**
 * The inline armoured blocks of a text, in order: each from a BEGIN line to
 * the first matching END after it. By hand with indexOf, because the regular
 * expression it replaces (a lazy match per marker) scanned the rest of the
 * text again from every unclosed BEGIN: quadratic, minutes of CPU for a mail
 * of repeated markers. Here each kind is searched forward once, and a kind
 * with no END left is done (no later BEGIN of it can close either).
 */
export function armouredBlocks(text: string): { kind: 'message' | 'signed'; index: number; text: string }[] {
  const blocks: { kind: 'message' | 'signed'; index: number; text: string }[] = [];
  const next = ARMOURS.map((a) => text.indexOf(a.begin));
  let from = 0;
  for (;;) {
    let k = -1;
    for (const [i, n] of next.entries()) if (n >= 0 && (k < 0 || n < (next[k] as number))) k = i;
    if (k < 0) return blocks;
    const armour = ARMOURS[k] as (typeof ARMOURS)[number];
    const start = next[k] as number;
    const end = text.indexOf(armour.end, start + armour.begin.length);
    if (end < 0) {
      next[k] = -1;
      continue;
    }
    const stop = end + armour.end.length;
    blocks.push({ kind: armour.kind, index: start, text: text.slice(start, stop) });
    from = stop;
    for (const [i, a] of ARMOURS.entries()) {
      if ((next[i] as number) >= 0 && (next[i] as number) < from) next[i] = text.indexOf(a.begin, from);
    }
  }
}
