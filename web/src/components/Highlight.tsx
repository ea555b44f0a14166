// A small hand-written highlighter for JSON and YAML definitions: keys,
// strings, numbers, literals and comments, no dependency.
import { useMemo, type ReactNode } from 'react'

const TOKEN = /("(?:[^"\\]|\\.)*"\s*:)|("(?:[^"\\]|\\.)*")|('(?:[^'\\]|\\.)*')|(#[^\n]*)|(-?\b\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b)|(\b(?:true|false|null)\b)|(^[ \t-]*[A-Za-z_$][\w.$-]*\s*:(?=\s|$))/gm

export function highlight(text: string): ReactNode[] {
  const out: ReactNode[] = []
  let last = 0
  let k = 0
  for (const m of text.matchAll(TOKEN)) {
    const i = m.index!
    if (i > last) out.push(text.slice(last, i))
    const cls = m[1] || m[7] ? 'hl-key' : m[2] || m[3] ? 'hl-str' : m[4] ? 'hl-com' : m[5] ? 'hl-num' : 'hl-lit'
    out.push(<span key={k++} className={cls}>{m[0]}</span>)
    last = i + m[0].length
  }
  if (last < text.length) out.push(text.slice(last))
  return out
}

export function Code({ text }: { text: string }) {
  const parts = useMemo(() => text.length > 500000 ? [text] : highlight(text), [text])
  return <pre className="code">{parts}</pre>
}
