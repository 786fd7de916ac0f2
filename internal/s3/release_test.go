package s3

import (
	"context"
	"sync"
	"testing"

	"github.com/coffer-kms/coffer/internal/blob"
)

// TestReleaseBlobs releases more blobs, from more goroutines, than there
// are background slots: the ones that find no slot are deleted before
// releaseBlobs returns, the others by WaitReleased; none is left, and
// empty ids are skipped.
func TestReleaseBlobs(t *testing.T) {
	ctx := context.Background()
	bs, err := blob.New(ctx, t.TempDir(), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{Blobs: bs})
	const n = 64
	ids := make([]string, n)
	for i := range ids {
		w, err := bs.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("released"))
		id, err := w.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = string(id)
	}
	var wg sync.WaitGroup
	for i := 0; i < n; i += 2 {
		wg.Go(func() { s.releaseBlobs(ctx, []string{ids[i], "", ids[i+1]}) })
	}
	wg.Wait()
	s.releaseBlobs(ctx, []string{"", ""})
	s.WaitReleased()
	left := 0
	if err := bs.Walk(ctx, func(blob.Info) error { left++; return nil }); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of %d released blobs left", left, n)
	}
	if len(s.release.slots) != 0 {
		t.Errorf("%d background slots still taken", len(s.release.slots))
	}
}
