package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// ErrBackupExists is returned by Backup when the destination exists and
// overwriting it was not asked for.
var ErrBackupExists = errors.New("the backup file exists")

// ErrBackupDest is returned by Backup when the destination cannot take a
// backup: its directory does not exist, or it is the live database itself.
var ErrBackupDest = errors.New("not a place for a backup")

// BackupInfo describes a backup Backup made.
type BackupInfo struct {
	Executions int64 // executions in the copy
	Bytes      int64 // size of the copy
}

// Backup copies the database of the data directory dir to dest while a
// server may be running on it: VACUUM INTO reads one snapshot of the
// database (the file and its WAL, in one read transaction), so the copy is
// consistent, and it takes no lock that blocks the server's writes (nor the
// data directory's baton.lock). The copy is written beside dest, checked
// with quick_check, synced and then renamed to dest: dest is either the old
// file or a whole backup. An existing dest is refused (ErrBackupExists)
// unless overwrite is set.
func Backup(ctx context.Context, dir, dest string, overwrite bool) (BackupInfo, error) {
	src := filepath.Join(dir, FileName)
	exists, err := preflight(src)
	if err != nil {
		return BackupInfo{}, err
	}
	if !exists {
		return BackupInfo{}, fmt.Errorf("no database in %s (%s does not exist): is it the server's --data-dir?", dir, src)
	}
	if err := checkDest(dir, dest); err != nil {
		return BackupInfo{}, err
	}
	if _, err := os.Stat(dest); err == nil && !overwrite {
		return BackupInfo{}, fmt.Errorf("%s: %w", dest, ErrBackupExists)
	}
	tmp := dest + ".tmp-" + strconv.Itoa(os.Getpid())
	os.Remove(tmp) // a leftover of an interrupted backup by this pid
	defer os.Remove(tmp)

	// VACUUM INTO only reads the source (query_only would refuse it, as it
	// writes a file). The busy timeout covers a WAL being recovered by a
	// server that is starting.
	db, err := sql.Open("sqlite", fileURI(src, "mode=rw&_pragma=busy_timeout(10000)"))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, "VACUUM INTO ?", tmp)
	cerr := db.Close()
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup of %s: %w", src, classify(err))
	}
	if cerr != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup: %w", cerr)
	}
	info, err := inspectBackup(ctx, tmp)
	if err != nil {
		return BackupInfo{}, err
	}
	if err := syncFile(tmp); err != nil {
		return BackupInfo{}, err
	}
	if err := os.Rename(tmp, dest); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	if d, err := os.Open(filepath.Dir(dest)); err == nil {
		d.Sync() // the rename survives a power loss; best effort
		d.Close()
	}
	return info, nil
}

// checkDest refuses a destination Backup cannot or must not write: one in a
// directory that does not exist, and the data directory's own files (its
// database, WAL, shared memory, lock), whatever path names them. Renaming a
// copy over the live database while a server runs on it would pair the
// copy with the old WAL: the database would be damaged at the next start.
func checkDest(dir, dest string) error {
	parent := filepath.Dir(dest)
	if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
		return fmt.Errorf("%s: the directory %s does not exist: create it first, or choose another place: %w", dest, parent, ErrBackupDest)
	}
	for _, name := range []string{FileName, FileName + "-wal", FileName + "-shm", FileName + "-journal", "baton.lock"} {
		own := filepath.Join(dir, name)
		same := false
		if a, err := os.Stat(dest); err == nil { // follows links
			if b, err := os.Stat(own); err == nil {
				same = os.SameFile(a, b)
			}
		}
		if !same && filepath.Base(dest) == name {
			a, err1 := os.Stat(parent)
			b, err2 := os.Stat(dir)
			same = err1 == nil && err2 == nil && os.SameFile(a, b)
		}
		if same {
			return fmt.Errorf("%s is the data directory's own %s, which the server uses: a backup goes to another file (outside %s): %w", dest, name, dir, ErrBackupDest)
		}
	}
	return nil
}

// inspectBackup checks a fresh copy with quick_check and counts its
// executions.
func inspectBackup(ctx context.Context, path string) (BackupInfo, error) {
	if err := Check(ctx, path, CheckQuick); err != nil {
		return BackupInfo{}, fmt.Errorf("the copy fails its check (the source may be damaged: run the server's check with --db-check full): %w", err)
	}
	db, err := sql.Open("sqlite", fileURI(path, "mode=ro"))
	if err != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup: %w", err)
	}
	defer db.Close()
	var info BackupInfo
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM executions").Scan(&info.Executions); err != nil {
		return BackupInfo{}, fmt.Errorf("sqlite: backup: counting executions: %w", classify(err))
	}
	fi, err := os.Stat(path)
	if err != nil {
		return BackupInfo{}, err
	}
	info.Bytes = fi.Size()
	return info, nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("sqlite: backup: %w", err)
	}
	return nil
}
