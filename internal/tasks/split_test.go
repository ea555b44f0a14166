package tasks

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitCommandLine(t *testing.T) {
	tests := []struct {
		line    string
		want    []string
		wantErr string
	}{
		{line: "./fn.sh", want: []string{"./fn.sh"}},
		{line: "  python3  handler.py\t--fast ", want: []string{"python3", "handler.py", "--fast"}},
		{line: `node -e 'console.log("hi")'`, want: []string{"node", "-e", `console.log("hi")`}},
		{line: `echo "a \"b\" \$HOME \\ \n"`, want: []string{"echo", `a "b" $HOME \ \n`}},
		{line: `a\ b c`, want: []string{"a b", "c"}},
		{line: `x''y ""`, want: []string{"xy", ""}},
		{line: "a \\\nb", want: []string{"a", "b"}},
		{line: `sh -c 'jq .x | tr a b'`, want: []string{"sh", "-c", "jq .x | tr a b"}},
		{line: `echo $HOME`, wantErr: `shell operator '$'`},
		{line: `cat | jq`, wantErr: `shell operator '|'`},
		{line: `a > b`, wantErr: `shell operator '>'`},
		{line: `echo 'oops`, wantErr: "unterminated single quote"},
		{line: `echo "oops`, wantErr: "unterminated double quote"},
		{line: `echo \`, wantErr: "lone backslash"},
		{line: "   ", wantErr: "empty command"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := splitCommandLine(tt.line)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
		})
	}
}
