// Reading the reporter pages' forms (urlencoded or multipart, with busboy)
// within per-field, per-file and whole-request limits: over a limit, a
// FormProblem that says which, carrying what arrived so the form comes back
// filled in.
import type { IncomingMessage } from 'node:http';
import Busboy from 'busboy';

export const ATTACHMENT_LIMITS = {
  files: 5,
  fileBytes: 5 * 1024 * 1024,
  types: [
    'txt',
    'log',
    'md',
    'pdf',
    'png',
    'jpg',
    'jpeg',
    'gif',
    'zip',
    'gz',
    'json',
    'xml',
    'pcap',
    'pcapng',
    'har',
    'py',
    'c',
    'sh',
  ],
} as const;

export const CONTENT_TYPES: Record<string, string> = {
  txt: 'text/plain',
  log: 'text/plain',
  md: 'text/markdown',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
  gz: 'application/gzip',
  json: 'application/json',
  xml: 'application/xml',
};

const FIELD_BYTES = 256 * 1024;
/** Fields, five sealed files (OpenPGP adds a little) and multipart framing. */
export const MAX_REQUEST_BYTES = 2 * 1024 * 1024 + ATTACHMENT_LIMITS.files * (ATTACHMENT_LIMITS.fileBytes + 64 * 1024);

export class FormProblem extends Error {
  constructor(
    message: string,
    /** What arrived before the problem, when anything did. */
    readonly form?: Form,
  ) {
    super(message);
  }
}

export interface Form {
  fields: Map<string, string>;
  files: { filename: string; mimeType: string; content: Buffer }[];
}

/** Reads a urlencoded or multipart form within limits; over them, a FormProblem saying which. */
export function readForm(req: IncomingMessage): Promise<Form> {
  return new Promise((resolve, reject) => {
    const fields = new Map<string, string>();
    const files: Form['files'] = [];
    let problem: string | null = null;
    let bb: Busboy.Busboy;
    try {
      bb = Busboy({
        headers: req.headers,
        limits: {
          fileSize: ATTACHMENT_LIMITS.fileBytes,
          files: ATTACHMENT_LIMITS.files,
          fieldSize: FIELD_BYTES,
          fields: 40,
        },
      });
    } catch {
      return reject(new FormProblem('This is not a form we can read.'));
    }
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) problem ??= `The field “${name}” is too long.`;
      fields.set(name, value);
    });
    bb.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        problem ??= `“${info.filename}” is larger than ${ATTACHMENT_LIMITS.fileBytes / 1048576} MiB.`;
      });
      stream.on('close', () => {
        if (info.filename)
          files.push({ filename: info.filename, mimeType: info.mimeType, content: Buffer.concat(chunks) });
      });
    });
    bb.on('filesLimit', () => {
      problem ??= `At most ${ATTACHMENT_LIMITS.files} attachments.`;
    });
    bb.on('fieldsLimit', () => {
      problem ??= 'The form has too many fields.';
    });
    bb.on('error', () => reject(new FormProblem('The form did not arrive whole; please send it again.')));
    // Over a limit: refused, with what did arrive (the form comes back filled in).
    bb.on('close', () => (problem ? reject(new FormProblem(problem, { fields, files })) : resolve({ fields, files })));
    req.pipe(bb);
  });
}

export const extension = (name: string) => /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
