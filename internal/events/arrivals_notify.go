package events

import (
	"context"
	"path"
	"path/filepath"
	"strings"

	"github.com/fsnotify/fsnotify"
)

// dirNotifier wakes the arrivals consumer when a file that a watch would
// count changes in a watched directory. It is an accelerator only: a
// notification lost (the kernel's queue overflowed, a directory made after
// the deploy) costs the time to the next rescan, never an arrival.
type dirNotifier struct {
	w     *fsnotify.Watcher
	owner *Arrivals
}

// watchDirs makes the notifier watch exactly the directories of the local
// watches; it starts the notifier at the first tick and stops it when ctx
// (the bus's) ends. A directory that cannot be watched (missing yet), or
// whose watch was lost (deleted and made again), is added again at the
// next tick.
func (a *Arrivals) watchDirs(ctx context.Context, xs []*watch) {
	if a.opt.NoNotify {
		return
	}
	want := map[string][]string{} // directory -> the patterns of its watches
	for _, x := range xs {
		if x.local() {
			want[x.dir] = append(want[x.dir], x.pattern)
		}
	}
	a.mu.Lock()
	a.patterns = want
	a.mu.Unlock()
	n := a.notifier
	if n == nil {
		if len(want) == 0 {
			return
		}
		w, err := fsnotify.NewWatcher()
		if err != nil {
			a.opt.Log.Warn("arrivals: no file-system notifications; watched directories are rescanned only", "err", err)
			a.opt.NoNotify = true
			return
		}
		n = &dirNotifier{w: w, owner: a}
		a.notifier = n
		go n.run(ctx)
	}
	for _, d := range n.w.WatchList() {
		if _, ok := want[d]; !ok {
			_ = n.w.Remove(d) // gone meanwhile: nothing to remove
		}
	}
	// Every wanted directory is added at every tick, also one the watcher
	// lists: a directory deleted and made again stays listed under its old
	// inode until the watcher has read the deletion, and would then be
	// left unwatched until the next rescan. Adding a watched directory
	// again is one system call that keeps its watch, or moves it to the
	// new inode.
	for d := range want {
		_ = n.w.Add(d) // missing yet: tried again at the next tick
	}
}

// run passes the notifications on until ctx ends, then closes the watcher.
func (n *dirNotifier) run(ctx context.Context) {
	defer n.w.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-n.w.Events:
			if !ok {
				return
			}
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) != 0 && n.owner.counts(ev.Name) {
				n.owner.notifyDir(filepath.Dir(ev.Name))
			}
		case _, ok := <-n.w.Errors:
			if !ok {
				return
			}
			// An overflow: the rescan finds what was missed.
		}
	}
}

// counts reports whether a watch of the file's directory would count it:
// writes to other files (a hidden temporary copy) wake nothing.
func (a *Arrivals) counts(name string) bool {
	dir, base := filepath.Split(name)
	if strings.HasPrefix(base, ".") {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, p := range a.patterns[filepath.Clean(dir)] {
		if ok, _ := path.Match(p, base); ok {
			return true
		}
	}
	return false
}
