// Package sqlstore holds what the sqlite and postgres implementations of
// store.Store share: decoding rows into the store's types, the JSON
// encodings of tags and grant operations, the set of objects a transaction
// changed, the Watch callbacks, retry backoff, migration bookkeeping and
// the bounds of S3 prefix listings (PrefixEnd).
//
// It knows no driver and no SQL dialect: rows come in through Scanner and
// Rows, which database/sql and pgx both satisfy, and a time column is
// scanned into a destination type that each dialect supplies (see
// TimeColumn). The SQL text stays in each dialect package.
package sqlstore

import (
	"context"
	"math/rand/v2"
	"time"
)

// Scanner is what *sql.Row, *sql.Rows, pgx.Row and pgx.Rows have in common.
type Scanner interface {
	Scan(dest ...any) error
}

// Rows is the reading side of *sql.Rows and pgx.Rows. The caller closes
// them.
type Rows interface {
	Scanner
	Next() bool
	Err() error
}

// Collect decodes every remaining row with scan. It does not close rows.
func Collect[T any](rows Rows, scan func(Scanner) (T, error)) ([]T, error) {
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Backoff waits a jittered time around 2^min(attempt, maxShift)
// milliseconds before attempt+1 of a retried operation, or until ctx is
// done.
func Backoff(ctx context.Context, attempt, maxShift int) error {
	d := time.Duration(1<<min(attempt, maxShift)) * time.Millisecond
	d = d/2 + rand.N(d)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
