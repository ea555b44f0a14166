package pipeline

import _ "embed"

// Schema is the JSON Schema (2020-12) of pipeline.yaml, for editors
// (yaml-language-server) and for serving. It says the shape of the file;
// Parse checks more (the DAG, expressions, bodies) and is the reference.
//
//go:embed schema.json
var Schema []byte
