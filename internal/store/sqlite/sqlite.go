// Package sqlite implements store.Store on an embedded SQLite database
// (modernc.org/sqlite, pure Go). It is Coffer's default, single-node store.
//
// Layout and invariants:
//   - The database runs in WAL mode with foreign keys on and
//     synchronous=FULL: every commit fsyncs the WAL before Update returns,
//     so an acknowledged write survives a process crash and also a power
//     loss or kernel crash (NORMAL would only survive a process crash).
//     Writes are rare next to reads in a KMS, so the fsync per commit is
//     cheap insurance for "nothing acknowledged is lost".
//   - One writer connection serves Update; each Update is a BEGIN IMMEDIATE
//     transaction, so writers never deadlock and never need a
//     read-to-write lock upgrade. Store-level reads use a separate pool of
//     query_only connections and never queue behind a writer: WAL readers
//     see the last committed snapshot.
//   - Times are stored as INTEGER unix microseconds in UTC (NULL for the
//     zero time) and read back in UTC, so they round-trip exactly after
//     truncation to the microsecond.
//   - Watch is in-process: callbacks run synchronously in the committing
//     goroutine after the commit and before Update returns. Another process
//     opening the same file is not told of this process's changes.
//   - The schema is migrated by Open from the embedded migrations/*.sql,
//     applied in order inside one BEGIN IMMEDIATE transaction and recorded
//     in schema_migrations, so two processes opening the same file at once
//     are serialized by SQLite's write lock.
//
// Beyond the store.Store contract, CreateAlias, UpdateAlias, AddMaterial and
// PutTags return store.ErrNotFound when the key they refer to does not exist.
// Likewise PutInlinePolicy and Attach return store.ErrNotFound when the
// identity does not exist, and AddPolicyVersion when the policy does not.
//
// IAM names are compared case-insensitively with ASCII folding (COLLATE NOCASE columns), and
// listings sort by the folded name, so Page.After may be given in any case.
// Rows naming an identity (memberships, inline policies, attachments) store
// the identity's name as stored, and ChangeIAM reports that spelling.
// Deleting a user, group or role also deletes its memberships, inline
// policies and attachments, and the access keys of the user or of sessions
// of the role, reporting a store.ChangeAccessKey for each key. Grant ids
// are unique across all keys. Empty Tags, Operations and
// WrappedSessionToken read back as nil.
//
// S3 object keys compare in byte order; prefix listings select the range
// [prefix, sqlstore.PrefixEnd(prefix)), which is exact and uses the primary
// key. Empty byte fields of ObjectEncryption read back as nil. Deleting a
// bucket that still holds objects or uploads fails on its foreign keys.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// busyTimeout is how long a connection waits on SQLite's file lock (held by
// another process) before failing with SQLITE_BUSY.
const busyTimeout = 10 * time.Second

// maxAttempts bounds how many times Update runs fn when SQLite reports the
// database busy or locked.
const maxAttempts = 5

// maxBackoffShift caps the wait between attempts at about 2^8 ms.
const maxBackoffShift = 8

// Store is a store.Store on a SQLite database file. It is safe for
// concurrent use. Create it with Open and release it with Close.
type Store struct {
	reader // Store-level reads, on the read pool

	wdb    *sql.DB // exactly one connection; serves Update
	rdb    *sql.DB // read pool
	wstmts stmts   // prepared on wdb
	rstmts stmts   // prepared on rdb

	watch sqlstore.Watchers
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the SQLite database at path, a plain
// file name, and migrates its schema to the latest version. path must not be
// empty, ":memory:" or contain '?': the writer and the readers are separate
// connections and must share one file.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: open %q: path must be a plain file name", path)
	}
	bt := fmt.Sprint(busyTimeout.Milliseconds())
	// Parameters are modernc.org/sqlite DSN keys; journal_mode is persistent
	// in the file, so the writer sets it before any reader connects.
	// secure_delete overwrites deleted content with zeros, so a destroyed
	// key's wrapped material does not linger in free pages.
	common := "_busy_timeout=" + bt + "&_foreign_keys=1&_synchronous=FULL&_pragma=secure_delete(1)"
	wdb, err := sql.Open("sqlite", path+"?"+common+"&_journal_mode=WAL&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxIdleTime(0)
	wdb.SetConnMaxLifetime(0)
	s := &Store{wdb: wdb}
	if err := s.init(ctx, path, common); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, path, common string) error {
	// Switching a new file to WAL and migrating it take locks that SQLite
	// may refuse at once (SQLITE_BUSY without waiting) when another process
	// is opening the same file; retry until the busy timeout.
	deadline := time.Now().Add(busyTimeout)
	for attempt := 1; ; attempt++ {
		err := s.wdb.PingContext(ctx)
		if err == nil {
			err = migrate(ctx, s.wdb)
		}
		if err == nil {
			break
		}
		if !isBusy(err) || time.Now().After(deadline) {
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
		if err := sqlstore.Backoff(ctx, attempt, maxBackoffShift); err != nil {
			return fmt.Errorf("sqlite: open %s: %w", path, err)
		}
	}
	rdb, err := sql.Open("sqlite", path+"?"+common+"&_query_only=1")
	if err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.rdb = rdb
	n := max(4, runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxIdleTime(0)
	rdb.SetConnMaxLifetime(0)
	if err := s.wstmts.prepare(ctx, s.wdb); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := s.rstmts.prepare(ctx, rdb); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	s.reader = reader{q: &s.rstmts}
	return nil
}

// Close closes the database. Calls in progress may fail; the Store must
// not be used afterwards.
func (s *Store) Close() error {
	s.wstmts.close()
	s.rstmts.close()
	var errs []error
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: close: %w", err)
	}
	return nil
}

// Update runs fn in a BEGIN IMMEDIATE transaction on the writer connection
// and commits if fn returns nil; fn's error is returned unchanged. Updates
// run one at a time. If the database stays busy (locked by another process)
// after the busy timeout and retries, Update returns store.ErrConflict.
// After the commit, and before Update returns, every Watch callback is
// called with the changes. fn must not call Update.
func (s *Store) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		changes, err := s.try(ctx, fn)
		if err == nil {
			s.watch.Notify(changes)
			return nil
		}
		if !isBusy(err) || ctx.Err() != nil {
			return err
		}
		if attempt >= maxAttempts {
			return fmt.Errorf("sqlite: update: %w after %d attempts: %w", store.ErrConflict, attempt, err)
		}
		if err := sqlstore.Backoff(ctx, attempt, maxBackoffShift); err != nil {
			return fmt.Errorf("sqlite: update: %w", err)
		}
	}
}

func (s *Store) try(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) ([]store.Change, error) {
	sqlTx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			sqlTx.Rollback()
		}
	}()
	t := &tx{stmts: txStmts{tx: sqlTx, base: &s.wstmts}}
	t.reader = reader{q: &t.stmts}
	if err := fn(ctx, t); err != nil {
		return nil, err
	}
	done = true
	if err := sqlTx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: commit: %w", err)
	}
	return t.changes, nil
}

// Watch registers fn to be called after each committed Update of this
// Store, once per changed object, synchronously in the committing goroutine.
// fn must be quick and must not call Update. The returned function
// unregisters fn.
func (s *Store) Watch(fn func(store.Change)) (cancel func()) {
	return s.watch.Add(fn)
}

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED (any extended
// code), which a retry may cure.
func isBusy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED
		return true
	}
	return false
}

var _ store.Purger = (*Store)(nil)

// Purge checkpoints the write-ahead log into the database file and
// truncates it, so page images from before a deletion (which secure_delete
// zeroed in the database) do not survive in the log.
func (s *Store) Purge(ctx context.Context) error {
	if _, err := s.wdb.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("sqlite: purge: %w", err)
	}
	return nil
}
