package s3

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedKeys is a KeyService whose GenerateDataKey blocks until release
// is closed, counting calls, and fails with err if set.
type gatedKeys struct {
	KeyService
	calls   atomic.Int64
	started chan struct{} // receives one value per call
	release chan struct{}
	err     error
}

func (k *gatedKeys) GenerateDataKey(ctx context.Context, c Caller, region, keyID string, encCtx map[string]string) ([]byte, []byte, string, error) {
	k.calls.Add(1)
	k.started <- struct{}{}
	select {
	case <-k.release:
	case <-ctx.Done():
		return nil, nil, "", ctx.Err()
	}
	if k.err != nil {
		return nil, nil, "", k.err
	}
	return bytes.Repeat([]byte{7}, 32), []byte("blob:" + c.PrincipalARN), "arn:aws:kms:us-east-1:111122223333:key/k", nil
}

// TestBucketKeyColdCacheSingleFlight: concurrent PUTs by one principal on
// a cold cache make one GenerateDataKey; other principals make their own;
// an error is shared; a first caller whose request ends hands over.
func TestBucketKeyColdCacheSingleFlight(t *testing.T) {
	encCtx := map[string]string{"aws:s3:arn": "arn:aws:s3:::b"}
	alice := Caller{PrincipalARN: "arn:aws:iam::111122223333:user/alice"}
	bob := Caller{PrincipalARN: "arn:aws:iam::111122223333:user/bob"}
	const n = 16
	for _, tc := range []struct {
		name      string
		callers   []Caller // n goroutines each
		err       error
		wantCalls int64
	}{
		{name: "one principal", callers: []Caller{alice}, wantCalls: 1},
		{name: "two principals", callers: []Caller{alice, bob}, wantCalls: 2},
		{name: "shared error", callers: []Caller{alice}, err: errors.New("AccessDeniedException"), wantCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys := &gatedKeys{started: make(chan struct{}, 100), release: make(chan struct{}), err: tc.err}
			s := New(Config{Keys: keys})
			var wg sync.WaitGroup
			errs := make(chan error, n*len(tc.callers))
			for _, c := range tc.callers {
				for range n {
					wg.Go(func() {
						p, blob, _, err := s.generateBucketKey(context.Background(), c, "us-east-1", "b", "", encCtx)
						if err == nil && (len(p) != 32 || string(blob) != "blob:"+c.PrincipalARN) {
							err = errors.New("wrong key or blob")
						}
						errs <- err
					})
				}
			}
			for range tc.wantCalls {
				<-keys.started
			}
			time.Sleep(20 * time.Millisecond) // let every goroutine reach the cache
			close(keys.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
			}
			if got := keys.calls.Load(); got != tc.wantCalls {
				t.Errorf("%d GenerateDataKey calls, want %d", got, tc.wantCalls)
			}
		})
	}

	t.Run("first caller cancelled", func(t *testing.T) {
		keys := &gatedKeys{started: make(chan struct{}, 100), release: make(chan struct{})}
		s := New(Config{Keys: keys})
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() {
			_, _, _, err := s.generateBucketKey(ctx, alice, "us-east-1", "b", "", encCtx)
			first <- err
		}()
		<-keys.started
		second := make(chan error, 1)
		go func() {
			_, _, _, err := s.generateBucketKey(context.Background(), alice, "us-east-1", "b", "", encCtx)
			second <- err
		}()
		time.Sleep(20 * time.Millisecond)
		cancel()
		if err := <-first; !errors.Is(err, context.Canceled) {
			t.Fatalf("first caller: %v, want context.Canceled", err)
		}
		<-keys.started // the second caller fetches in turn
		close(keys.release)
		if err := <-second; err != nil {
			t.Fatalf("second caller: %v", err)
		}
		if got := keys.calls.Load(); got != 2 {
			t.Errorf("%d calls, want 2", got)
		}
	})

	t.Run("waiter's own context", func(t *testing.T) {
		keys := &gatedKeys{started: make(chan struct{}, 100), release: make(chan struct{})}
		defer close(keys.release)
		s := New(Config{Keys: keys})
		go s.generateBucketKey(context.Background(), alice, "us-east-1", "b", "", encCtx)
		<-keys.started
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if _, _, _, err := s.generateBucketKey(ctx, alice, "us-east-1", "b", "", encCtx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("waiter: %v, want its own deadline", err)
		}
	})
}
