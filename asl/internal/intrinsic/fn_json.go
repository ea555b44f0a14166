package intrinsic

import (
	"strings"

	"github.com/batonhq/baton/internal/value"
)

// evalStringToJSON implements States.StringToJson(string). An empty or blank
// string gives null, as on AWS.
func evalStringToJSON(c *callNode, args []any) (any, error) {
	s, ok := args[0].(string)
	if !ok {
		return nil, invalidArgs(c.fn.name)
	}
	if strings.Trim(s, " \t\n\r") == "" {
		return nil, nil
	}
	v, err := value.Parse([]byte(s))
	if err != nil {
		return nil, invalidArgs(c.fn.name)
	}
	return v, nil
}

// evalJSONToString implements States.JsonToString(value): compact JSON.
// jsonToStringSize is the length of States.JsonToString's result, as a
// JSON string: escaped once more.
func jsonToStringSize(_ *callNode, args []any, limit int) int {
	return 2 * value.Size(args[0], limit)
}

func evalJSONToString(_ *callNode, args []any) (any, error) {
	return string(value.Marshal(args[0])), nil
}

// evalJSONMerge implements States.JsonMerge(a, b, deep): a shallow merge
// where b's fields win. Step Functions rejects deep mode (true) and, as
// observed, treats any other third argument as shallow.
func evalJSONMerge(c *callNode, args []any) (any, error) {
	a, ok1 := args[0].(map[string]any)
	b, ok2 := args[1].(map[string]any)
	if !ok1 || !ok2 || args[2] == true {
		return nil, invalidArgs(c.fn.name)
	}
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out, nil
}
