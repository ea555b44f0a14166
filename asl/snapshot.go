package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// MarshalExecution serializes an execution's whole state, so that a caller
// can persist it after each transition and resume it later with
// UnmarshalExecution and the same Machine.
func MarshalExecution(x *Execution) ([]byte, error) {
	return json.Marshal(x)
}

// UnmarshalExecution restores an execution serialized by MarshalExecution.
// JSON numbers come back as int64 when integral (float64 otherwise), as the
// interpreter's parser makes them.
func UnmarshalExecution(data []byte) (*Execution, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var x Execution
	if err := dec.Decode(&x); err != nil {
		return nil, fmt.Errorf("asl: bad execution snapshot: %w", err)
	}
	x.Info.Input = fixNumbers(x.Info.Input)
	x.Output = fixNumbers(x.Output)
	for _, f := range x.Frames {
		f.Input = fixNumbers(f.Input)
		f.Effective = fixNumbers(f.Effective)
		f.Out = fixNumbers(f.Out)
		for k, v := range f.Vars {
			f.Vars[k] = fixNumbers(v)
		}
		for i, v := range f.Results {
			f.Results[i] = fixNumbers(v)
		}
		for i, v := range f.Items {
			f.Items[i] = fixNumbers(v)
		}
	}
	return &x, nil
}

// fixNumbers turns json.Number values into int64 or float64 in place.
func fixNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(string(t), 64); err == nil && !math.IsInf(f, 0) {
			return f
		}
		return t
	case map[string]any:
		for k, e := range t {
			t[k] = fixNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = fixNumbers(e)
		}
	}
	return v
}
