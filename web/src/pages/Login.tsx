import { useState } from 'react'
import { TOKEN_KEY } from '../api'
import { navigate, useTitle } from '../router'

// Login keeps an API token in sessionStorage; the fetch wrapper sends it as
// a Bearer token. A server without authentication needs none.
export function Login() {
  useTitle('Login')
  const [tok, setTok] = useState('')
  const has = !!sessionStorage.getItem(TOKEN_KEY)
  const next = new URLSearchParams(location.search).get('next')
  const go = () => navigate(next && next.startsWith('/ui/') ? next : '/ui/')
  return <div className="card narrow">
    <h1>Sign in</h1>
    <p>Paste an API token. It is kept in this tab only (sessionStorage) and sent as <code>Authorization: Bearer</code>.</p>
    <form onSubmit={e => { e.preventDefault(); if (tok.trim()) sessionStorage.setItem(TOKEN_KEY, tok.trim()); go() }}>
      <input type="password" data-testid="token" autoComplete="off" value={tok} onChange={e => setTok(e.target.value)} placeholder="token" style={{ width: '100%' }} />
      <div className="row"><button className="primary" type="submit" data-testid="login">Sign in</button>
        {has && <button type="button" onClick={() => { sessionStorage.removeItem(TOKEN_KEY); go() }}>Forget the token</button>}</div>
    </form>
  </div>
}
