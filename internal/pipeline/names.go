package pipeline

// ValidName tells whether s is a valid pipeline or step name:
// 1 to 80 letters, digits, '-' or '_' (so that `baton init NAME` can
// refuse a name the generated pipeline.yaml could not carry).
func ValidName(s string) bool { return nameRE.MatchString(s) }

// SchemaURL is the stable address of Schema for the yaml-language-server
// modeline of generated projects; a server also serves it at
// /api/v1/schemas/pipeline.json, and `baton schema pipeline` prints it.
const SchemaURL = "https://baton.dev/schemas/pipeline.json"
