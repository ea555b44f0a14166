package events

import (
	"context"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// dirNotifier wakes the arrivals consumer when a watched directory
// changes. It is an accelerator only: a notification lost (the kernel's
// queue overflowed, a directory made after the watch) costs the time to
// the next rescan, never an arrival.
type dirNotifier struct {
	w     *fsnotify.Watcher
	dirs  map[string]bool // added to w
	owner *Arrivals
}

// watchDirs makes the notifier watch exactly the directories of the local
// watches; it starts the notifier at the first tick and stops it when ctx
// (the bus's) ends. A directory that cannot be watched (missing yet) is
// tried again at the next tick.
func (a *Arrivals) watchDirs(ctx context.Context, xs []*watch) {
	if a.opt.NoNotify {
		return
	}
	want := map[string]bool{}
	for _, x := range xs {
		if x.local() {
			want[x.dir] = true
		}
	}
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
		n = &dirNotifier{w: w, dirs: map[string]bool{}, owner: a}
		a.notifier = n
		go n.run(ctx)
	}
	for d := range n.dirs {
		if !want[d] {
			_ = n.w.Remove(d) // gone meanwhile: nothing to remove
			delete(n.dirs, d)
		}
	}
	for d := range want {
		if !n.dirs[d] && n.w.Add(d) == nil {
			n.dirs[d] = true
		}
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
			if ev.Op&(fsnotify.Create|fsnotify.Write|fsnotify.Rename|fsnotify.Chmod) != 0 {
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
