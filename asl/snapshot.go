package asl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"unsafe"

	"github.com/batonhq/baton/internal/value"
)

// MarshalExecution serializes an execution's whole state, so that a caller
// can persist it after each transition and resume it later with
// UnmarshalExecution and the same Machine.
//
// Callers serialize after every transition, and an execution with N open
// Parallel branches or Map iterations would then cost O(N) encoding per
// transition, quadratic over the N branches' events. So the execution keeps
// each frame's JSON (snapCache) and re-encodes only the frames the
// interpreter touched since the last call; the rest is copied. A Map's
// items are encoded once, its results in chunks (frameEnc). Like Apply, it
// must not run concurrently with another call on the same execution.
func MarshalExecution(x *Execution) ([]byte, error) {
	// encoding/json writes float64(1) as 1, which would come back as an
	// integer; floats go out as json.Number in value's rendering ("1.0")
	// instead. Values are shared, so this works on a shallow copy.
	c := *x
	c.Pending = nil
	if x.interrupted && !x.Done() {
		c.Pending = x.queue // what an interrupted call left, for Continue
	}
	c.Output = floatsAsNumbers(c.Output)
	c.Frames, c.Tasks, c.Timers = nil, nil, nil
	if x.snap == nil {
		x.snap = newSnapCache(x)
	}
	var err error
	if c.Info.Input, err = x.snap.input.of(x.Info.Input); err != nil {
		return nil, err
	}
	head, err := json.Marshal(&c)
	if err != nil {
		return nil, err
	}
	// The tasks and timers, one per waiting branch, are written here:
	// encoding/json would sort their keys on every call.
	if len(x.Tasks) > 0 || len(x.Timers) > 0 {
		head = head[:len(head)-1]
		if len(x.Tasks) > 0 {
			head = append(head, `,"tasks":{`...)
			i := 0
			for id, f := range x.Tasks {
				if i++; i > 1 {
					head = append(head, ',')
				}
				head = appendJSONString(head, id)
				head = append(head, ':')
				head = strconv.AppendInt(head, f, 10)
			}
			head = append(head, '}')
		}
		if len(x.Timers) > 0 {
			head = append(head, `,"timers":{`...)
			i := 0
			for id, t := range x.Timers {
				if i++; i > 1 {
					head = append(head, ',')
				}
				head = appendJSONString(head, id)
				head = append(head, `:{"f":`...)
				head = strconv.AppendInt(head, t.Frame, 10)
				head = append(head, `,"k":`...)
				head = strconv.AppendUint(head, uint64(t.Kind), 10)
				head = append(head, '}')
			}
			head = append(head, '}')
		}
		head = append(head, '}')
	}
	if len(x.Frames) == 0 {
		return head, nil
	}
	if verifySnapshots && x.snap != nil {
		fresh := newSnapCache(x)
		if err := fresh.update(x); err != nil {
			return nil, err
		}
		if err := x.snap.update(x); err != nil {
			return nil, err
		}
		if err := fresh.sameAs(x.snap); err != nil {
			panic(err)
		}
	}
	sc := x.snap
	if err := sc.update(x); err != nil {
		return nil, err
	}
	n := len(head) + len(`,"frames":{}`)
	for _, id := range sc.ids {
		n += len(sc.frames[id]) + 24
	}
	buf := make([]byte, 0, n)
	buf = append(buf, head[:len(head)-1]...)
	buf = append(buf, `,"frames":{`...)
	for i, id := range sc.ids {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = strconv.AppendInt(buf, id, 10)
		buf = append(buf, '"', ':')
		buf = append(buf, sc.frames[id]...)
	}
	buf = append(buf, '}', '}')
	return buf, nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			js, _ := json.Marshal(s)
			return append(b, js...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// verifySnapshots makes MarshalExecution check its cache against a fresh
// encoding of every frame (tests; see export_test.go).
var verifySnapshots = false

// snapCache is each frame's JSON as MarshalExecution last wrote it.
type snapCache struct {
	frames map[int64][]byte
	ids    []int64             // the frames' ids, sorted
	dirty  map[int64]struct{}  // touched since: re-encoded by update
	gone   map[int64]struct{}  // deleted since
	enc    map[int64]*frameEnc // per frame: its inputs, items and results' JSON
	input  rawJSON             // the execution's input
}

// frameEnc caches the parts of a frame that may be large: its input and
// effective input, and those that grow with a Parallel's branches or a Map's
// items: the items, which do not change while the Map runs, and the results,
// in chunks of resultChunk.
type frameEnc struct {
	input, effective rawJSON
	items            []any // the slice itemsJSON encodes
	itemsJSON        []byte
	results          []any // the slice chunks encode
	chunks           [][]byte
	dirtyChunk       map[int]struct{}
}

const resultChunk = 256

func newSnapCache(x *Execution) *snapCache {
	sc := &snapCache{frames: make(map[int64][]byte, len(x.Frames)), dirty: map[int64]struct{}{}, gone: map[int64]struct{}{}, enc: map[int64]*frameEnc{}}
	for id := range x.Frames {
		sc.dirty[id] = struct{}{}
	}
	return sc
}

// touch records that frame id may have changed (or is new).
func (x *Execution) touch(id int64) {
	if x.snap != nil {
		x.snap.dirty[id] = struct{}{}
	}
}

// dropFrame deletes a frame.
func (x *Execution) dropFrame(id int64) {
	delete(x.Frames, id)
	if x.snap != nil {
		x.snap.gone[id] = struct{}{}
	}
}

// setResult records the result of branch or iteration i of f.
func (x *Execution) setResult(f *Frame, i int, v any) {
	f.Results[i] = v
	if x.snap != nil {
		if e := x.snap.enc[f.ID]; e != nil && e.dirtyChunk != nil {
			e.dirtyChunk[i/resultChunk] = struct{}{}
		}
	}
}

// dropSnapshotCache forgets the cache after changes it does not follow.
func (x *Execution) dropSnapshotCache() { x.snap = nil }

// update re-encodes the touched frames and forgets the deleted ones.
func (sc *snapCache) update(x *Execution) error {
	for id := range sc.gone {
		if _, ok := x.Frames[id]; ok {
			sc.dirty[id] = struct{}{} // deleted and put back (redrive)
			continue
		}
		if _, ok := sc.frames[id]; ok {
			delete(sc.frames, id)
			delete(sc.enc, id)
			if i, found := slices.BinarySearch(sc.ids, id); found {
				sc.ids = slices.Delete(sc.ids, i, i+1)
			}
		}
	}
	clear(sc.gone)
	for id := range sc.dirty {
		f := x.Frames[id]
		if f == nil {
			continue
		}
		b, err := sc.encode(x, f)
		if err != nil {
			return err
		}
		if _, ok := sc.frames[id]; !ok {
			i, _ := slices.BinarySearch(sc.ids, id)
			sc.ids = slices.Insert(sc.ids, i, id)
		}
		sc.frames[id] = b
	}
	clear(sc.dirty)
	return nil
}

// encode writes a frame's JSON, its items and results from the cache.
func (sc *snapCache) encode(x *Execution, f *Frame) ([]byte, error) {
	e := sc.enc[f.ID]
	if e == nil {
		e = &frameEnc{}
		sc.enc[f.ID] = e
	}
	fc := *f
	fc.Items, fc.Results = nil, nil
	fc.Out = floatsAsNumbers(f.Out)
	if f.Vars != nil {
		fc.Vars = make(map[string]any, len(f.Vars))
		for k, v := range f.Vars {
			fc.Vars[k] = floatsAsNumbers(v)
		}
	}
	shareInput(x, f, &fc)
	var err error
	if fc.SharedInput == "" {
		if fc.Input, err = e.input.of(f.Input); err != nil {
			return nil, err
		}
	}
	if f.Effective != nil && !fc.EffectiveIsInput {
		if sameValue(f.Effective, f.Input) {
			fc.Effective, fc.EffectiveIsInput = nil, true
		} else if fc.Effective, err = e.effective.of(f.Effective); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(&fc)
	if err != nil || len(f.Items) == 0 && len(f.Results) == 0 {
		return b, err
	}
	head := b[:len(b)-1]
	if len(f.Items) > 0 && !sameSlice(e.items, f.Items) {
		e.items = f.Items
		if e.itemsJSON, err = json.Marshal(floatsAsNumbersSlice(f.Items)); err != nil {
			return nil, err
		}
	}
	if len(f.Results) > 0 {
		if !sameSlice(e.results, f.Results) {
			e.results = f.Results
			e.chunks = make([][]byte, (len(f.Results)+resultChunk-1)/resultChunk)
			e.dirtyChunk = make(map[int]struct{}, len(e.chunks))
			for i := range e.chunks {
				e.dirtyChunk[i] = struct{}{}
			}
		}
		for i := range e.dirtyChunk {
			part := f.Results[i*resultChunk : min((i+1)*resultChunk, len(f.Results))]
			js, err := json.Marshal(floatsAsNumbersSlice(part))
			if err != nil {
				return nil, err
			}
			e.chunks[i] = js[1 : len(js)-1] // without the brackets
		}
		clear(e.dirtyChunk)
	}
	// One allocation of the right size: this runs at every event of a
	// Parallel or Map with many branches or items.
	n := len(head) + len(`,"items":,"results":[]}`) + len(e.itemsJSON) + len(e.chunks)
	for _, c := range e.chunks {
		n += len(c)
	}
	b = append(make([]byte, 0, n), head...)
	if len(f.Items) > 0 {
		b = append(b, `,"items":`...)
		b = append(b, e.itemsJSON...)
	}
	if len(f.Results) > 0 {
		b = append(b, `,"results":[`...)
		for i, c := range e.chunks {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, c...)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// shareInput writes, instead of a branch's or iteration's input, that it is
// its parent's effective input or item, or for the top level the
// execution's input (fc is f's copy being encoded): N
// branches of a Parallel would otherwise each hold a copy of the same input
// in the snapshot, and after a restart in memory.
func shareInput(x *Execution, f, fc *Frame) {
	p := x.Frames[f.Parent]
	switch {
	case f.Parent == 0 && sameValue(f.Input, x.Info.Input):
		fc.SharedInput = "execution"
	case p == nil || f.Parent == 0:
		return
	case sameValue(f.Input, p.Effective):
		fc.SharedInput = "parent"
	case f.Index < len(p.Items) && sameValue(f.Input, p.Items[f.Index]):
		fc.SharedInput = "item"
	default:
		return
	}
	fc.Input = nil
	if sameValue(f.Effective, f.Input) {
		fc.Effective, fc.EffectiveIsInput = nil, true
	}
}

// resolveShared undoes shareInput on decoded frames, parents first (a
// parent's id is lower than its children's).
func resolveShared(x *Execution) {
	ids := slices.Sorted(maps.Keys(x.Frames))
	for _, id := range ids {
		f := x.Frames[id]
		p := x.Frames[f.Parent]
		switch {
		case f.SharedInput == "execution":
			f.Input = x.Info.Input
		case f.SharedInput == "parent" && p != nil:
			f.Input = p.Effective
		case f.SharedInput == "item" && p != nil && f.Index < len(p.Items):
			f.Input = p.Items[f.Index]
		}
		if f.EffectiveIsInput {
			f.Effective = f.Input
		}
		f.SharedInput, f.EffectiveIsInput = "", false
	}
}

// sameValue reports whether a and b are the same object, array or long
// string in memory (not only equal): what shareInput may share.
func sameValue(a, b any) bool {
	ka, na := identity(a)
	kb, nb := identity(b)
	return ka != nil && ka == kb && na == nb
}

// rawJSON caches the JSON of the value a frame field last held, when the
// value is one whose identity can be told (an object, an array, a long
// string): values are never changed in place, so the same one has the same
// JSON. The key is a pointer, which keeps the value alive: its address
// cannot be reused by another while cached.
type rawJSON struct {
	key unsafe.Pointer
	n   int
	js  json.RawMessage
}

// of returns v's JSON, from the cache when v is the value it holds.
func (r *rawJSON) of(v any) (json.RawMessage, error) {
	key, n := identity(v)
	if key != nil && key == r.key && n == r.n {
		return r.js, nil
	}
	js, err := json.Marshal(floatsAsNumbers(v))
	if err != nil {
		return nil, err
	}
	r.key, r.n, r.js = key, n, js
	return js, nil
}

// identity is what tells a value apart from others in memory (nil: none).
func identity(v any) (unsafe.Pointer, int) {
	switch t := v.(type) {
	case map[string]any:
		if t != nil {
			return reflect.ValueOf(t).UnsafePointer(), len(t)
		}
	case []any:
		if len(t) > 0 {
			return unsafe.Pointer(&t[0]), len(t)
		}
	case string:
		if len(t) >= 64 {
			return unsafe.Pointer(unsafe.StringData(t)), len(t)
		}
	}
	return nil, 0
}

// sameSlice reports whether a and b are the same slice (not only equal).
func sameSlice(a, b []any) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

// sameAs reports how sc, freshly encoded, differs from the cache old.
func (sc *snapCache) sameAs(old *snapCache) error {
	if !slices.Equal(sc.ids, old.ids) {
		return fmt.Errorf("asl: snapshot cache: frames %v, cached %v", sc.ids, old.ids)
	}
	for id, b := range sc.frames {
		if !bytes.Equal(b, old.frames[id]) {
			return fmt.Errorf("asl: snapshot cache: frame %d is %s, cached %s", id, b, old.frames[id])
		}
	}
	return nil
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
	resolveShared(&x)
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
