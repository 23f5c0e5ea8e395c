/** The same server and credentials, another database. */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Where to run CREATE/DROP DATABASE: the server's `postgres` database. */
export function adminUrl(url: string): string {
  return databaseUrl(url, 'postgres');
}
