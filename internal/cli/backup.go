package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/batonhq/baton/internal/store/sqlite"
)

func newBackupCmd() *cobra.Command {
	var dataDir string
	var force bool
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Copy a server's database to FILE, consistently, while the server runs",
		Long: `Copy the database of a Baton server (DATA_DIR/baton.db) to FILE. The copy is
one consistent snapshot, taken while the server runs and writes (SQLite's
VACUUM INTO: it does not stop the server, nor take the data directory's lock),
checked with quick_check before it replaces FILE. An existing FILE is refused
unless --force is given.

To restore: stop the server, copy FILE to DATA_DIR/baton.db, remove
DATA_DIR/baton.db-wal and DATA_DIR/baton.db-shm, start the server
(docs/server.md, "Backup and restore").`,
		Example: `  baton backup --data-dir /var/lib/baton /backups/baton-$(date +%F).db
  baton backup --force baton-latest.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			start := time.Now()
			info, err := sqlite.Backup(cmd.Context(), dataDir, args[0], force)
			if errors.Is(err, sqlite.ErrBackupExists) {
				return &exitError{code: exitInvalid, err: err, hint: "Choose another file, or overwrite it with --force."}
			}
			if errors.Is(err, sqlite.ErrBackupDest) {
				return &exitError{code: exitInvalid, err: err}
			}
			if err != nil {
				return &exitError{code: exitFailed, err: err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %d executions (%.1f MB) from %s to %s in %s\n",
				info.Executions, float64(info.Bytes)/1e6, dataDir, args[0], time.Since(start).Round(time.Millisecond))
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", envOr("BATON_DATA_DIR", "./baton-data"), "the server's data directory")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite FILE when it exists")
	return cmd
}
