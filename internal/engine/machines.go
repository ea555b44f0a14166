package engine

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/batonhq/baton/internal/store"
	"github.com/batonhq/baton/workflow"
)

// programCache compiles each definition once per language and type.
type programCache struct {
	mu       sync.Mutex
	langs    map[string]workflow.Language
	def      string // Config.DefaultLanguage
	projects Projects
	m        map[[32]byte]workflow.Program
}

func (c *programCache) init(cfg Config) {
	c.m = map[[32]byte]workflow.Program{}
	c.langs = cfg.Languages
	c.def = cfg.DefaultLanguage
	c.projects = cfg.Projects
}

// errProjectFiles wraps a failure to read a bundle for compiling: the
// store's, which may pass, not the definition's.
var errProjectFiles = errors.New("the project's files cannot be read")

// get returns the compiled program of a definition in a language ("": the
// default one, for executions stored before languages were recorded), with
// the files of its project bundle ("": none).
func (c *programCache) get(ctx context.Context, lang, def, typ, bundle string) (workflow.Program, error) {
	if lang == "" {
		lang = c.def
	}
	key := sha256.Sum256([]byte(lang + "\x00" + typ + "\x00" + bundle + "\x00" + def))
	c.mu.Lock()
	p, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	l := c.langs[lang]
	if l == nil {
		return nil, fmt.Errorf("no workflow language %q on this server", lang)
	}
	opts := workflow.CompileOptions{Express: typ == store.TypeExpress}
	if bundle != "" {
		if c.projects == nil {
			return nil, fmt.Errorf("%w: this server keeps no project files", errProjectFiles)
		}
		files, err := c.projects.Files(ctx, bundle)
		if errors.Is(err, store.ErrDamaged) {
			return nil, err // lost for good: the run cannot be read
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", errProjectFiles, err)
		}
		opts.Files = files
	}
	p, err := l.Compile([]byte(def), opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) > 10000 {
		clear(c.m) // a crude bound; definitions are few in practice
	}
	c.m[key] = p
	c.mu.Unlock()
	return p, nil
}

// recentNames remembers the executions started in the last minutes, so that
// a duplicate name cannot slip between the store check and the loop.
type recentNames struct {
	set   map[string]struct{}
	order []recentName
}

type recentName struct {
	arn string
	at  time.Time
}

const recentWindow = 30 * time.Second

func (r *recentNames) add(arn string, now time.Time) {
	if r.set == nil {
		r.set = map[string]struct{}{}
	}
	for len(r.order) > 0 && now.Sub(r.order[0].at) > recentWindow {
		delete(r.set, r.order[0].arn)
		r.order = r.order[1:]
	}
	r.set[arn] = struct{}{}
	r.order = append(r.order, recentName{arn, now})
}

func (r *recentNames) has(arn string) bool {
	_, ok := r.set[arn]
	return ok
}
