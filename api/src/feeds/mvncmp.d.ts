// mvncmp is plain JavaScript without type declarations.
declare module 'mvncmp' {
  /** Maven's ComparableVersion: < 0, 0, > 0. */
  export function compare(a: string, b: string): number;
}
