// Graceful shutdown: a request in flight when SIGTERM arrives still gets its
// answer; no new connection is accepted meanwhile.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startTestApp } from '../support/app.ts';

describe('graceful shutdown', () => {
  it('finishes the in-flight request, refuses new connections, then closes', async () => {
    await using app = await startTestApp();
    const analyst = await app.login('ANALYST');
    const { port } = new URL(app.url);
    const body = JSON.stringify({ query: '{ viewer { name } }' });

    // Send the headers and half the body: the request is now in flight.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let response = '';
    socket.on('data', (d) => {
      response += d;
    });
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `Authorization: Bearer ${analyst.token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
    );
    socket.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));

    let stopped = false;
    const stopping = app.stopServer().then(() => {
      stopped = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    await expect(fetch(`${app.origin}/healthz`)).rejects.toThrow();

    socket.write(body.slice(10));
    await stopping;
    await ended;
    expect(response).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(response).toContain('{"data":{"viewer":{"name":"Test User');
  });
});
