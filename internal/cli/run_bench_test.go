package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkRunPipelineSeq100 runs `baton run` of 100 sequential
// `command: ["true"]` steps in process (bench/pipeline/run.sh measures the
// binary); its CPU profile shows where a step's overhead goes.
func BenchmarkRunPipelineSeq100(b *testing.B) {
	dir := b.TempDir()
	var y strings.Builder
	y.WriteString("name: seq\nsteps:\n")
	for i := range 100 {
		fmt.Fprintf(&y, "  - name: s%d\n    command: [\"true\"]\n", i)
		if i > 0 {
			fmt.Fprintf(&y, "    depends_on: [s%d]\n", i-1)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "pipeline.yaml"), []byte(y.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if code := Main([]string{"run", "--quiet", dir}, strings.NewReader(""), io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
