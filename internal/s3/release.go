package s3

import (
	"context"
	"sync"
)

// maxBackgroundReleases bounds the blob deletions running after their
// responses: past it, a request deletes its released blobs itself before
// answering, so a burst of overwrites or deletes cannot queue unbounded
// work (or goroutines) behind the responses.
const maxBackgroundReleases = 4

// releaser deletes the blobs that a metadata transaction released (a
// replaced or deleted object's, an upload's unused parts) after the
// response rather than before it: the transaction already made the
// change, and the deletion (an unlink and a directory fsync, about a
// millisecond for a 1 MiB blob here) only reclaims space. A deletion lost
// to a crash leaves an orphan for the collector (gc.go), as before.
type releaser struct {
	slots chan struct{}
	wg    sync.WaitGroup
}

func newReleaser() releaser {
	return releaser{slots: make(chan struct{}, maxBackgroundReleases)}
}

// releaseBlobs deletes ids (blob ids the metadata no longer names; empty
// ones are skipped), in the background when a slot is free and otherwise
// before returning. Best effort either way, as deleteBlobs.
func (s *Service) releaseBlobs(ctx context.Context, ids []string) {
	n := 0
	for _, id := range ids {
		if id != "" {
			n++
		}
	}
	if n == 0 {
		return
	}
	select {
	case s.release.slots <- struct{}{}:
		s.release.wg.Add(1)
		ctx = context.WithoutCancel(ctx)
		go func() {
			defer s.release.wg.Done()
			defer func() { <-s.release.slots }()
			s.deleteBlobs(ctx, ids)
		}()
	default:
		s.deleteBlobs(ctx, ids)
	}
}

// WaitReleased waits for the blob deletions running in the background to
// finish: before shutting down, and in tests that look at the blob store.
func (s *Service) WaitReleased() { s.release.wg.Wait() }
