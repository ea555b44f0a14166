package config

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary files to the parser: it never panics, and no
// resolved secret appears in its errors.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"connections:\n  wh: {type: sql, driver: postgres, host: h, password: env:PW}\n",
		"connections:\n  l: {type: s3, endpoint: 'https://h:9000', access_key_id: env:PW, secret_access_key: env:PW, ca_file: ca.pem}\n",
		"connections:\n  r: {type: http, base_url: 'https://x/', headers: {Authorization: env:PW}}\n",
		"connections:\n  d: {type: sql, driver: sqlite, dsn: 'file:x.db?mode=ro'}\n",
		"{\"connections\": {\"a\": {\"type\": \"sql\", \"port\": 1e99}}}",
		"a: &x [*x]\n",
		"connections:\n  s: {type: slack, token: env:PW, api_url: 'http://127.0.0.1:1/api/'}\n",
		"connections:\n  m: {type: smtp, host: h, security: starttls, username: u, password: env:PW, from: a@b.c, timeout: 5s, ca_file: ca.pem}\n",
		"connections:\n  w: {type: webhook, secret: env:PW, allow_private: true, allowed_url_prefixes: ['https://x/']}\n",
		"connections:\n  o: {type: opsgenie, api_key: env:PW, responder_type: user}\n",
		"connections:\n  d: {type: sql, driver: sqlite, path: x.db, namespaces: [team-a]}\nnamespaces:\n  team-a: {steps: [sql, http]}\n  '*': {steps: []}\n",
	} {
		f.Add(s)
	}
	src := Sources{
		LookupEnv: func(string) (string, bool) { return "fuzz-secret-value", true },
		ReadFile:  func(string) ([]byte, error) { return []byte("fuzz-secret-value"), nil },
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, err := Parse("baton.yaml", []byte(s), src)
		if err != nil && strings.Contains(err.Error(), "fuzz-secret-value") && !strings.Contains(s, "fuzz-secret-value") {
			t.Fatalf("a secret leaked into the error: %v", err)
		}
	})
}
