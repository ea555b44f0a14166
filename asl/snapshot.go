package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/batonhq/baton/asl/internal/value"
)

// MarshalExecution serializes an execution's whole state, so that a caller
// can persist it after each transition and resume it later with
// UnmarshalExecution and the same Machine.
func MarshalExecution(x *Execution) ([]byte, error) {
	// encoding/json writes float64(1) as 1, which would come back as an
	// integer; floats go out as json.Number in value's rendering ("1.0")
	// instead. Values are shared, so this works on a shallow copy.
	c := *x
	c.Pending = nil
	if x.interrupted && !x.Done() {
		c.Pending = x.queue // what an interrupted call left, for Continue
	}
	c.Info.Input = floatsAsNumbers(c.Info.Input)
	c.Output = floatsAsNumbers(c.Output)
	if x.Frames != nil {
		c.Frames = make(map[int64]*Frame, len(x.Frames))
		for id, f := range x.Frames {
			c.Frames[id] = frameForJSON(f)
		}
	}
	return json.Marshal(&c)
}

// frameForJSON copies a frame with its floats as json.Number.
func frameForJSON(f *Frame) *Frame {
	fc := *f
	fc.Input = floatsAsNumbers(f.Input)
	fc.Effective = floatsAsNumbers(f.Effective)
	fc.Out = floatsAsNumbers(f.Out)
	if f.Vars != nil {
		fc.Vars = make(map[string]any, len(f.Vars))
		for k, v := range f.Vars {
			fc.Vars[k] = floatsAsNumbers(v)
		}
	}
	fc.Results = floatsAsNumbersSlice(f.Results)
	fc.Items = floatsAsNumbersSlice(f.Items)
	return &fc
}

// floatsAsNumbers returns v with every float64 replaced by a json.Number of
// its JSON text, copying only the containers that hold one.
func floatsAsNumbers(v any) any {
	n, _ := floatsToNumbers(v)
	return n
}

func floatsAsNumbersSlice(a []any) []any {
	if n, changed := floatsToNumbers(a); changed {
		return n.([]any)
	}
	return a
}

// floatsToNumbers does the work of floatsAsNumbers and tells whether
// anything changed.
func floatsToNumbers(v any) (any, bool) {
	switch t := v.(type) {
	case float64:
		return json.Number(value.Marshal(t)), true
	case map[string]any:
		var c map[string]any
		for k, e := range t {
			n, changed := floatsToNumbers(e)
			if !changed {
				continue
			}
			if c == nil {
				c = make(map[string]any, len(t))
				for k2, e2 := range t {
					c[k2] = e2
				}
			}
			c[k] = n
		}
		if c != nil {
			return c, true
		}
	case []any:
		var c []any
		for i, e := range t {
			n, changed := floatsToNumbers(e)
			if !changed {
				continue
			}
			if c == nil {
				c = make([]any, len(t))
				copy(c, t)
			}
			c[i] = n
		}
		if c != nil {
			return c, true
		}
	}
	return v, false
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
	if len(x.Pending) > 0 {
		x.queue, x.interrupted, x.Pending = x.Pending, true, nil
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
		if value.IsIntegerText(string(t)) {
			return t // too big for int64: kept whole, as value.Parse does
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
