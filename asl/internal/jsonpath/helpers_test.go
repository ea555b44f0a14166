package jsonpath

import (
	"testing"

	"github.com/batonhq/baton/internal/value"
)

// mustJSON parses a JSON document for a test.
func mustJSON(t testing.TB, s string) any {
	t.Helper()
	v, err := value.ParseString(s)
	if err != nil {
		t.Fatalf("bad test JSON %s: %v", s, err)
	}
	return v
}

// specInput is the state input of the spec's Reference Path example.
const specInput = `{"foo": 123, "bar": ["a", "b", "c"], "car": {"cdr": true}}`

// storeInput is the classic JSONPath bookstore, trimmed.
const storeInput = `{
  "store": {
    "book": [
      {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
      {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
      {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
      {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
    ],
    "bicycle": {"color": "red", "price": 19.95}
  },
  "expensive": 10
}`
