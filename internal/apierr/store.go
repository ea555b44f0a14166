package apierr

import (
	"errors"

	"github.com/batonhq/baton/internal/store"
)

// StoreFault turns a failure of the store itself into the API error that
// says what to do: ServiceUnavailable (503) while it cannot write (a full
// disk: it passes once space is freed), InternalServerError naming the
// damage for a damaged database (it does not pass: restore a backup). Other
// errors are returned as they are. The service and the engine both answer
// with it, so it lives here, below both.
func StoreFault(err error) error {
	switch {
	case errors.Is(err, store.ErrDamaged):
		// err already says "database damaged: ...".
		return New(InternalServerError, "%v: stop the server and restore the last backup "+
			"(made with `baton backup`; see \"Backup and restore\" in docs/server.md)", err)
	case errors.Is(err, store.ErrLocked):
		return New(ServiceUnavailable, "%v. Is another program using the data directory's database (a second server, "+
			"an sqlite3 shell with an open transaction)? Stop it: Baton retries by itself and serves again once the lock is "+
			"released. A change this call asked for may still be stored then: repeat the call to learn", err)
	case errors.Is(err, store.ErrUnavailable):
		return New(ServiceUnavailable, "%v. Free space on the disk of the data directory: Baton retries by itself "+
			"and serves again once writes pass (GET /readyz answers 200 then). A change this call asked for may still be "+
			"stored then: repeat the call to learn (a start with the same name and input is safe to repeat)", err)
	}
	return err
}
