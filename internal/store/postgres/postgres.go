// Package postgres implements store.Store on PostgreSQL (pgx/v5), for
// deployments where many Coffer nodes share one database.
//
// Layout and invariants:
//   - Update runs fn in a SERIALIZABLE transaction and, when PostgreSQL
//     reports a serialization failure or a deadlock (SQLSTATE 40001, 40P01),
//     runs it again, up to Options.MaxAttempts times, then returns
//     store.ErrConflict. A commit is acknowledged by PostgreSQL only once it
//     is durable (with the server's default synchronous_commit=on).
//   - Methods never leave the transaction aborted on the errors they
//     document: inserts use ON CONFLICT DO NOTHING and existence checks
//     instead of failing statements, so fn may go on after store.ErrExists
//     or store.ErrNotFound.
//   - Watch spans nodes: each writing transaction calls
//     pg_notify('coffer_changes', change) for every changed object, which
//     PostgreSQL delivers to listeners on commit. Each Store keeps one
//     dedicated connection that LISTENs and calls the Watch callbacks,
//     reconnecting after failures. Changes committed by this Store are
//     delivered to its own callbacks directly, synchronously after the commit
//     and before Update returns; the listener skips them. Changes committed
//     elsewhere while the listener is reconnecting cannot be named, so after
//     each reconnect the callbacks receive one store.ChangeAll.
//   - Times are timestamptz (microsecond precision), NULL for the zero time,
//     read back in UTC. Sorted text columns use COLLATE "C" (byte order).
//   - The schema is migrated by Open from the embedded migrations/*.sql,
//     in one transaction under an advisory lock, recorded in
//     schema_migrations; nodes starting together migrate once.
//
// Beyond the store.Store contract, CreateAlias, UpdateAlias, AddMaterial and
// PutTags return store.ErrNotFound when the key they refer to does not exist.
// Likewise PutInlinePolicy and Attach return store.ErrNotFound when the
// identity does not exist, and AddPolicyVersion when the policy does not.
//
// IAM names are compared case-insensitively with ASCII folding (lower(name) under COLLATE "C"), and
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
package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/sqlstore"
)

// Channel is the LISTEN/NOTIFY channel on which changes are announced.
const Channel = "coffer_changes"

// DefaultMaxAttempts is how many times Update runs fn, by default, before
// giving up on serialization failures with store.ErrConflict.
const DefaultMaxAttempts = 30

// maxBackoffShift caps the wait between attempts at about 2^7 ms.
const maxBackoffShift = 7

// Options tune OpenOptions. The zero value is the default.
type Options struct {
	// Schema, when not empty, is the schema holding Coffer's tables: Open
	// creates it if missing and sets every connection's search_path to it.
	// When empty the DSN's search_path (or the server's default) applies.
	Schema string
	// MaxAttempts bounds how many times Update runs fn on serialization
	// failures; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// Logger receives the change listener's connection errors; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Store is a store.Store on PostgreSQL. It is safe for concurrent use.
// Create it with Open or OpenOptions and release it with Close.
type Store struct {
	reader // Store-level reads, on the pool

	pool        *pgxpool.Pool
	listenCfg   *pgx.ConnConfig
	schema      string // current_schema(), to ignore other schemas' notifications
	node        string // random id of this Store, to skip its own notifications
	maxAttempts int
	log         *slog.Logger

	watch     sqlstore.Watchers
	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

var _ store.Store = (*Store)(nil)

// Open connects to the database named by dsn (a PostgreSQL URL or keyword
// string, as pgxpool.ParseConfig accepts, including pool_max_conns and
// search_path), migrates the schema and starts the change listener.
func Open(ctx context.Context, dsn string) (*Store, error) {
	return OpenOptions(ctx, dsn, Options{})
}

// OpenOptions is Open with options.
func OpenOptions(ctx context.Context, dsn string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if opts.Schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	s := &Store{
		listenCfg:   cfg.ConnConfig.Copy(),
		node:        newNodeID(),
		maxAttempts: opts.MaxAttempts,
		log:         opts.Logger,
		done:        make(chan struct{}),
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := migrate(ctx, s.pool, opts.Schema); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	if err := s.pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&s.schema); err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: open: current schema: %w", err)
	}
	s.reader = reader{q: s.pool}

	// LISTEN before returning, so that every change committed elsewhere
	// after Open returns is delivered.
	conn, err := s.connectListener(ctx)
	if err != nil {
		s.pool.Close()
		return nil, fmt.Errorf("postgres: open: %w", err)
	}
	lctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	go s.listen(lctx, conn)
	return s, nil
}

func newNodeID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Close stops the change listener and closes the pool. The Store must not
// be used afterwards.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stop()
		<-s.done
		s.pool.Close()
	})
	return nil
}

// Update runs fn in a SERIALIZABLE transaction and commits if fn returns
// nil; fn's error is returned unchanged. On a serialization failure or
// deadlock, in fn or at commit, fn runs again, at most Options.MaxAttempts
// times in all, after which Update returns store.ErrConflict. After the
// commit, and before Update returns, this Store's Watch callbacks are
// called; other nodes' callbacks are notified through the database.
func (s *Store) Update(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		changes, err := s.try(ctx, fn)
		if err == nil {
			s.watch.Notify(changes)
			return nil
		}
		if !retryable(err) || ctx.Err() != nil {
			return err
		}
		if attempt >= s.maxAttempts {
			return fmt.Errorf("postgres: update: %w after %d attempts: %w", store.ErrConflict, attempt, err)
		}
		if err := sqlstore.Backoff(ctx, attempt, maxBackoffShift); err != nil {
			return fmt.Errorf("postgres: update: %w", err)
		}
	}
}

func (s *Store) try(ctx context.Context, fn func(ctx context.Context, tx store.Tx) error) ([]store.Change, error) {
	ptx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	// Rolls back when fn fails or panics; a no-op after Commit.
	defer ptx.Rollback(context.WithoutCancel(ctx))
	t := &tx{tx: ptx}
	t.reader = reader{q: ptx}
	if err := fn(ctx, t); err != nil {
		return nil, err
	}
	if len(t.changes) > 0 {
		payloads := make([]string, len(t.changes))
		for i, c := range t.changes {
			payloads[i] = s.encode(c)
		}
		if _, err := ptx.Exec(ctx, `SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p`, Channel, payloads); err != nil {
			return nil, fmt.Errorf("postgres: notify: %w", err)
		}
	}
	if err := ptx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("postgres: commit: %w", err)
	}
	return t.changes, nil
}

// retryable reports whether err is a serialization failure or deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
}

// Watch registers fn to be called after each committed change, on this
// Store (synchronously, before Update returns) or on any other node sharing
// the database (from the listener goroutine). fn must be quick and must not
// call Update. The returned function unregisters fn.
func (s *Store) Watch(fn func(store.Change)) (cancel func()) {
	return s.watch.Add(fn)
}

// notice is a change as sent through NOTIFY.
type notice struct {
	Schema  string `json:"s"`
	Node    string `json:"n"`
	Kind    string `json:"k"`
	Account string `json:"a,omitempty"`
	Region  string `json:"r,omitempty"`
	ID      string `json:"i"`
}

func (s *Store) encode(c store.Change) string {
	b, _ := json.Marshal(notice{Schema: s.schema, Node: s.node, Kind: string(c.Kind), Account: c.Account, Region: c.Region, ID: c.ID})
	return string(b)
}

func (s *Store) connectListener(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, s.listenCfg)
	if err != nil {
		return nil, fmt.Errorf("listener: connect: %w", err)
	}
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{Channel}.Sanitize()); err != nil {
		conn.Close(context.Background())
		return nil, fmt.Errorf("listener: listen: %w", err)
	}
	return conn, nil
}

// listen delivers notifications to the Watch callbacks until ctx is done,
// reconnecting after failures.
func (s *Store) listen(ctx context.Context, conn *pgx.Conn) {
	defer close(s.done)
	backoff := 100 * time.Millisecond
	for {
		if conn != nil {
			err := s.receive(ctx, conn)
			conn.Close(context.Background())
			conn = nil
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("postgres: change listener lost its connection; caches will be flushed when it reconnects", "err", err)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		var err error
		conn, err = s.connectListener(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Warn("postgres: change listener cannot reconnect", "err", err)
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 100 * time.Millisecond
		// Whatever other nodes committed while we were not listening is
		// unknown: tell the callbacks to drop everything.
		s.watch.Notify([]store.Change{{Kind: store.ChangeAll}})
	}
}

// receive delivers notifications from conn until it fails or ctx is done.
func (s *Store) receive(ctx context.Context, conn *pgx.Conn) error {
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		var m notice
		if err := json.Unmarshal([]byte(n.Payload), &m); err != nil {
			s.log.Warn("postgres: bad change notification", "err", err)
			continue
		}
		if m.Schema != s.schema || m.Node == s.node {
			continue
		}
		s.watch.Notify([]store.Change{{Kind: store.ChangeKind(m.Kind), Account: m.Account, Region: m.Region, ID: m.ID}})
	}
}
