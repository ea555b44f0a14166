// The little of node:fs that status.test.ts reads its fixtures with (the
// tests run under node; the app has no node types, tsconfig's "types": []).
declare module 'node:fs' {
  export function readdirSync(path: URL | string): string[]
  export function readFileSync(path: URL | string, encoding: 'utf8'): string
}
