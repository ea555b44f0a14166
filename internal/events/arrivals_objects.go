package events

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/batonhq/baton/internal/store"
)

// baseline is the state of a watch seen for the first time: what arrived
// up to its deployment is there already and does not count. S3 lists
// times to the second: an object of the deployment's second counts, as
// it may have come after.
func (a *Arrivals) baseline(x *watch, objs []Object) *watchState {
	deployed := x.w.Deployed
	if !x.local() {
		deployed = deployed.Truncate(time.Second).Add(-time.Nanosecond)
	}
	st := &watchState{Mark: deployed, Seen: map[string]seenMark{}}
	for _, o := range objs {
		if !o.Changed.After(deployed) {
			st.Seen[o.URL] = a.seen(x, o)
			if o.Changed.After(st.Mark) {
				st.Mark = o.Changed
			}
		}
	}
	return st
}

// arrived returns the new objects of a listing, oldest first, and records
// them as seen; hot is when the soonest local file still being written
// settles (zero: none).
func (a *Arrivals) arrived(x *watch, st *watchState, objs []Object, now time.Time) (found []arrival, hot time.Time) {
	if st.Seen == nil {
		st.Seen = map[string]seenMark{}
	}
	floor := st.Mark.Add(-a.opt.Lookback)
	objs = append([]Object(nil), objs...)
	sort.Slice(objs, func(i, j int) bool {
		if !objs[i].Changed.Equal(objs[j].Changed) {
			return objs[i].Changed.Before(objs[j].Changed)
		}
		return objs[i].URL < objs[j].URL
	})
	for _, o := range objs {
		if !x.local() && o.Changed.Before(floor) {
			continue // older than what is remembered: seen long ago
		}
		if s, ok := st.Seen[o.URL]; ok && s.ETag == o.ETag {
			continue
		}
		if x.local() && a.opt.Settle > 0 && now.Sub(o.Modified) < a.opt.Settle {
			// Still being written, perhaps: it counts once it settles.
			if at := o.Modified.Add(a.opt.Settle); hot.IsZero() || at.Before(hot) {
				hot = at
			}
			continue
		}
		st.Seen[o.URL] = a.seen(x, o)
		if o.Changed.After(st.Mark) {
			st.Mark = o.Changed
		}
		found = append(found, arrival{URL: o.URL, Size: o.Size, ETag: o.ETag, Modified: o.Modified, At: now})
	}
	return found, hot
}

// seen is what a watch remembers of an object it saw: of a local file,
// its ETag only (a directory's files are remembered while they are
// there); of an S3 object, its time too (remembered within the lookback).
func (a *Arrivals) seen(x *watch, o Object) seenMark {
	if x.local() {
		return seenMark{ETag: o.ETag}
	}
	return seenMark{ETag: o.ETag, Changed: o.Changed}
}

// prune forgets what was seen and is not needed any more: of a directory,
// the files that are gone; of a bucket, the objects older than the
// lookback. It reports whether it forgot any.
//
// A directory keeps its files' names, and so counts a file by its name
// and ETag whatever its times say: a file moved in with an old
// modification time (mv, cp -p, rsync -a) counts, and one whose inode
// changed in place (chmod, chown -R of the directory) does not. A bucket
// keeps a high-water mark instead: it may hold millions of objects, and an
// object's LastModified only moves when it is written.
func (a *Arrivals) prune(x *watch, st *watchState, objs []Object) bool {
	pruned := false
	if x.local() {
		there := make(map[string]bool, len(objs))
		for _, o := range objs {
			there[o.URL] = true
		}
		for u := range st.Seen {
			if !there[u] {
				delete(st.Seen, u)
				pruned = true
			}
		}
		return pruned
	}
	floor := st.Mark.Add(-a.opt.Lookback)
	for u, s := range st.Seen {
		if s.Changed.Before(floor) {
			delete(st.Seen, u)
			pruned = true
		}
	}
	return pruned
}

// fire starts the batches of a watch that are complete: `size` objects,
// or all waiting once the window passed since the first; a batch whose
// list of objects would not fit in a run's input is cut before.
func (a *Arrivals) fire(x *watch, st *watchState, now time.Time, c *store.ConsumerCommit) bool {
	fired := false
	for len(st.Pending) > 0 {
		windowed := x.window > 0 && !now.Before(st.Pending[0].At.Add(x.window))
		n := min(len(st.Pending), x.d.BatchSize)
		// Cut where the input would outgrow the limit.
		size := len(`{"objects":[]}`) + inputMargin
		for i := 0; i < n; i++ {
			b, _ := json.Marshal(objectJSON(st.Pending[i]))
			if size += len(b) + 1; size > a.opt.MaxInputBytes && i > 0 {
				n = i
				windowed = true // full by bytes
				break
			}
		}
		if n < x.d.BatchSize && !windowed {
			break
		}
		c.Intents = append(c.Intents, a.intent(x, st.Pending[:n]))
		st.Pending = append([]arrival(nil), st.Pending[n:]...)
		fired = true
	}
	return fired
}

func objectJSON(o arrival) map[string]any {
	return map[string]any{"url": o.URL, "size": o.Size, "etag": o.ETag, "modified": o.Modified.UTC().Format(time.RFC3339Nano)}
}

// DataRunName is the name of the run of a batch: from the watch and its
// objects (URL and ETag), so that deciding it again starts it once.
func DataRunName(watchKey string, objs []string) string {
	h := sha256.New()
	h.Write([]byte(watchKey))
	for _, o := range objs {
		h.Write([]byte{0})
		h.Write([]byte(o))
	}
	return "data-" + hex.EncodeToString(h.Sum(nil))[:32]
}

// intent is the start of a batch's run, its input the list of objects.
func (a *Arrivals) intent(x *watch, batch []arrival) *store.Intent {
	ids := make([]string, len(batch))
	objs := make([]any, len(batch))
	for i, o := range batch {
		ids[i] = o.URL + "\x00" + o.ETag
		objs[i] = objectJSON(o)
	}
	name := DataRunName(x.key, ids)
	input, _ := json.Marshal(map[string]any{"objects": objs})
	r := RunRequest{StateMachineArn: x.w.Arn, Name: name, Input: string(input),
		Trigger: map[string]any{"type": "data", "path": x.d.Path, "count": len(batch),
			"first_seen": batch[0].At.UTC().Format(time.RFC3339Nano)}}
	body, _ := json.Marshal(r)
	return &store.Intent{ID: name, Body: body}
}

// event is an arrival on the bus in S3's EventBridge form. A local file
// takes the same form: its directory is the bucket, its name the key.
func (a *Arrivals) event(x *watch, o arrival) *store.OutboxEvent {
	var bucket, key, resource string
	if x.local() {
		bucket, key = x.dir, path.Base(o.URL)
		resource = "file://" + strings.TrimSuffix(x.dir, "/") + "/"
	} else {
		bucket = x.bucket
		key = strings.TrimPrefix(o.URL, "s3://"+x.bucket+"/")
		resource = "arn:aws:s3:::" + x.bucket
	}
	id := sha256.Sum256([]byte(x.w.Account + "\x00" + o.URL + "\x00" + o.ETag))
	detail := map[string]any{"version": "0", "bucket": map[string]any{"name": bucket},
		"object": map[string]any{"key": key, "size": o.Size, "etag": o.ETag}, "url": o.URL,
		"modified": o.Modified.UTC().Format(time.RFC3339Nano)}
	env := map[string]any{"version": "0", "id": uuidOf(id[:16]), "detail-type": ObjectCreated, "source": "aws.s3",
		"account": x.w.Account, "time": o.At.UTC().Format(time.RFC3339), "region": a.opt.Region,
		"resources": []string{resource}, "detail": detail}
	body, _ := json.Marshal(env)
	return &store.OutboxEvent{Partition: store.PartitionOf(o.URL), Account: x.w.Account, Bus: "default", Time: o.At, Body: body}
}
