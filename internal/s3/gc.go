package s3

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/coffer-kms/coffer/internal/blob"
)

// DefaultOrphanBlobAge is how old an unreferenced blob must be before the
// collector removes it when Config.OrphanBlobAge is 0.
const DefaultOrphanBlobAge = time.Hour

// DefaultGCInterval is how often RunMaintenanceLoop collects orphan blobs
// when Config.GCInterval is 0.
const DefaultGCInterval = time.Hour

// gcBatch is how many blob ids one BlobsInUse query checks.
const gcBatch = 500

// GCStats reports one CollectOrphanBlobs pass.
type GCStats struct {
	// Scanned is the number of committed blobs seen.
	Scanned int
	// Removed and RemovedBytes count the orphan blobs deleted.
	Removed      int
	RemovedBytes int64
	// Temp is the number of leftover temporary files removed.
	Temp int
}

// CollectOrphanBlobs removes the blobs nothing refers to: committed blobs
// that no object, object part or upload part names (a crash between a
// blob's commit and its metadata, or between a metadata change and the
// deletion of the blobs it released), and temporary files of writers that
// no longer exist (blob.Store.Sweep).
//
// A blob is committed before the metadata that names it, so a blob younger
// than minAge (by its modification time, the time of its last write) is
// spared: minAge must exceed the time between a blob's commit and the end
// of the transaction recording it. Blobs still being written are
// temporary files registered with the blob store and are never touched.
// A blob referenced once is never referenced again after it is released,
// so an old unreferenced blob stays unreferenced.
func (s *Service) CollectOrphanBlobs(ctx context.Context, minAge time.Duration) (GCStats, error) {
	var st GCStats
	n, err := s.blobs.Sweep(ctx)
	st.Temp = n
	if err != nil {
		return st, fmt.Errorf("collect orphan blobs: %w", err)
	}
	// Modification times come from the filesystem's clock, so the cutoff
	// does too (not the injected s.now, which tests may move).
	cutoff := time.Now().Add(-minAge)
	var batch []blob.Info
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids := make([]string, len(batch))
		for i, b := range batch {
			ids[i] = string(b.ID)
		}
		used, err := s.store.BlobsInUse(ctx, ids)
		if err != nil {
			return fmt.Errorf("blobs in use: %w", err)
		}
		keep := make(map[string]bool, len(used))
		for _, id := range used {
			keep[id] = true
		}
		for _, b := range batch {
			if keep[string(b.ID)] {
				continue
			}
			err := s.blobs.Delete(ctx, b.ID)
			if errors.Is(err, blob.ErrNotFound) {
				continue // deleted meanwhile by its owner
			}
			if err != nil {
				return err
			}
			st.Removed++
			st.RemovedBytes += b.Size
		}
		batch = batch[:0]
		return nil
	}
	err = s.blobs.Walk(ctx, func(b blob.Info) error {
		st.Scanned++
		if !b.ModTime.Before(cutoff) {
			return nil
		}
		batch = append(batch, b)
		if len(batch) == gcBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return st, fmt.Errorf("collect orphan blobs: %w", err)
	}
	return st, nil
}

// RunMaintenanceLoop collects orphan blobs (CollectOrphanBlobs with
// Config.OrphanBlobAge) now and then every Config.GCInterval until ctx
// ends. A failed pass is logged and retried at the next tick.
func (s *Service) RunMaintenanceLoop(ctx context.Context) {
	t := time.NewTicker(s.gcInterval)
	defer t.Stop()
	for {
		st, err := s.CollectOrphanBlobs(ctx, s.orphanAge)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.ErrorContext(ctx, "orphan blob collection failed", "err", err)
		case st.Removed > 0 || st.Temp > 0:
			s.log.InfoContext(ctx, "removed orphan blobs", "blobs", st.Removed, "bytes", st.RemovedBytes,
				"temp_files", st.Temp, "scanned", st.Scanned)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
