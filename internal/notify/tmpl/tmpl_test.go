package tmpl

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct{ src, err string }{
		{`{{.Run.Name}} failed`, ""},
		{`{{range .Steps}}{{.}}{{end}}`, ""},
		{`{{if .X}}a{{else}}b{{end}}`, ""},
		{`{{truncate 10 .Run.Error | upper}}`, ""},
		{`{{.Run.Name`, "unclosed action"},
		{`{{define "x"}}a{{end}}`, "define and block are not allowed"},
		{`{{template "x"}}`, "{{template}} is not allowed"},
		{`{{range 1000000000}}x{{end}}`, "{{range}} may only go over a field"},
		{`{{if 1}}{{range 5}}{{end}}{{end}}`, "{{range}} may only go over a field"},
		{`{{$n := 1000}}{{range $n}}{{range $n}}{{end}}{{end}}`, "{{range}} may only go over a field"},
		{`{{range $.Steps}}{{end}}`, ""},
		{strings.Repeat("a", MaxSource+1), "at most 8192"},
	}
	for _, tc := range tests {
		_, err := Parse("slack", tc.src)
		if tc.err == "" && err != nil {
			t.Errorf("Parse(%.40q): %v", tc.src, err)
		}
		if tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Parse(%.40q) = %v, want an error with %q", tc.src, err, tc.err)
		}
	}
}

func TestExecuteBounded(t *testing.T) {
	tp, err := Parse("t", `{{range .}}{{.}}{{end}}`)
	if err != nil {
		t.Fatal(err)
	}
	big := make([]string, 10000)
	for i := range big {
		big[i] = "0123456789"
	}
	out, err := tp.Execute(big)
	if err != nil || len(out) > MaxOutput+20 || !strings.HasSuffix(out, "[... cut ...]") {
		t.Fatalf("Execute: %d bytes, %v", len(out), err)
	}
	tp, _ = Parse("t", `{{.Missing}}`)
	if out, err := tp.Execute(map[string]string{}); err != nil || out != "" {
		t.Fatalf("a missing key is empty, not an error: %q %v", out, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{{.Run.Name}}`, `{{range .Steps}}{{end}}`, `{{template "x"}}`, `{{range 3}}{{end}}`, `{{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		tp, err := Parse("f", src)
		if err == nil {
			_, _ = tp.Execute(map[string]any{"Run": map[string]any{"Name": "r"}})
		}
	})
}
