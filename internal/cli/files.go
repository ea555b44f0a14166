package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/asl"
)

// defaultMaxDefinitionBytes is the largest definition the commands read: the
// server's limit (Step Functions' 1 MiB), so that what validates here also
// deploys.
const defaultMaxDefinitionBytes = 1 << 20

// maxMockConfigBytes bounds a Step Functions Local mock config file.
const maxMockConfigBytes = 16 << 20

// readLimit is how much a command reads from one file or stdin: a file that
// is larger, or that never ends (/dev/zero, a pipe fed forever), is refused
// once the limit is passed, with the flag that raises it.
type readLimit struct {
	bytes int64  // the limit; 0: none
	what  string // what is read, for the error: "a definition"
	flag  string // the flag that raises it ("" when none does)
}

// tooLarge says that name went past the limit, and what to do about it.
func (l readLimit) tooLarge(name string) error {
	err := fmt.Errorf("%s is larger than %d bytes, the limit for %s", name, l.bytes, l.what)
	if l.flag != "" {
		err = fmt.Errorf("%w; raise it with %s", err, l.flag)
	}
	return err
}

// readFile reads the file name within the limit. A regular file that is too
// large is refused before it is read.
func (l readLimit) readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && l.bytes > 0 && st.Size() > l.bytes {
		return nil, l.tooLarge(name)
	}
	return l.read(f, name)
}

// read reads r to its end within the limit; name names r in the error.
func (l readLimit) read(r io.Reader, name string) ([]byte, error) {
	if l.bytes <= 0 {
		return io.ReadAll(r)
	}
	b, err := io.ReadAll(io.LimitReader(r, l.bytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > l.bytes {
		return nil, l.tooLarge(name)
	}
	return b, nil
}

// definitionLimit is the read limit of definition files, from
// --max-definition-bytes.
func definitionLimit(n int64) readLimit {
	return readLimit{bytes: n, what: "a definition", flag: "--max-definition-bytes"}
}

// payloadLimit is the read limit of execution inputs, from
// --max-payload-bytes (0: none).
func payloadLimit(n int) readLimit {
	return readLimit{bytes: int64(n), what: "an execution input (the payload limit)", flag: "--max-payload-bytes"}
}

// addMaxDefinitionFlag adds --max-definition-bytes, whose default comes
// from BATON_MAX_DEFINITION_BYTES; a bad value of it is kept in envErr.
func addMaxDefinitionFlag(cmd *cobra.Command, n *int64, envErr *error) {
	cmd.Flags().Int64Var(n, "max-definition-bytes",
		int64(envInt(envErr, "BATON_MAX_DEFINITION_BYTES", defaultMaxDefinitionBytes)),
		"refuse definition files larger than this (the server's limit: 1 MiB)")
}

// checkMaxDefinition refuses a meaningless --max-definition-bytes.
func checkMaxDefinition(n int64, envErr error) error {
	if envErr != nil {
		return usageErr("%v", envErr)
	}
	if n < 1 {
		return usageErr("--max-definition-bytes must be at least 1, not %d", n)
	}
	return nil
}

// parseDefinitionFile reads and parses a definition file within limit. Its
// diagnostics carry the file's name; src is the file's text.
func parseDefinitionFile(file string, limit readLimit) (def *asl.Definition, src []byte, err error) {
	src, err = limit.readFile(file)
	if err != nil {
		return nil, nil, err
	}
	def, err = asl.Parse(src)
	var ve *asl.ValidationError
	if errors.As(err, &ve) {
		for i := range ve.Diagnostics {
			ve.Diagnostics[i].File = file
		}
	}
	return def, src, err
}
