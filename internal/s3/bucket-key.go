package s3

// S3 Bucket Keys (S3 User Guide, "Reducing the cost of SSE-KMS with Amazon
// S3 Bucket Keys"): instead of one KMS GenerateDataKey per object, S3 asks
// KMS for one bucket-level key, with the bucket ARN as encryption context,
// keeps it for a limited time, and derives each object's key from it.
//
//	bucket key   (BK, blob) = KMS GenerateDataKey as the caller, ViaService s3,
//	                          context {"aws:s3:arn": arn:aws:s3:::BUCKET} ∪ request context
//	object KEK   = HMAC-SHA256(BK, "coffer/s3 bucket key kek v1" || u32be(len(bucket)) || bucket || object)
//	stored       = blob (shared by the bucket's objects), context, key ARN, BucketKey = true,
//	               SealedKey = sse.Seal(KEK, objectKey, {SSE-KMS, bucket, object})
//	read         = BK from the cache or KMS Decrypt(blob, context) as the caller, then KEK
//
// An object is on the bucket-key path when BucketKey is set and its stored
// aws:s3:arn is the bucket's ARN (objects recorded before Bucket Keys
// existed carry the object ARN and a per-object data key).
//
// The cache is per principal: an entry made by one caller never serves
// another, so each principal's kms:GenerateDataKey / kms:Decrypt is still
// checked by KMS at least once per TTL, and a revoked permission takes
// effect within the TTL (AWS documents the same time-limited reuse).
// Entries expire after Config.BucketKeyTTL (default 5 minutes); at most
// maxBucketKeys are kept; evicted plaintext is cleared.
//
// A miss is fetched once: concurrent requests for the same cache key
// (same principal, bucket, key and context) wait for the first one's KMS
// call instead of each making their own (bucketKeyCache.load), so a burst
// of PUTs on a cold cache costs one GenerateDataKey.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

const (
	defaultBucketKeyTTL = 5 * time.Minute
	maxBucketKeys       = 4096
)

// KMSCallStats counts the calls the S3 service made to KMS.
type KMSCallStats struct {
	GenerateDataKey int64
	Decrypt         int64
	// OwnedKey counts seals and opens under the S3 service's AWS-owned
	// key (SSE-S3).
	OwnedKey int64
}

// Total is the number of KMS calls.
func (s KMSCallStats) Total() int64 { return s.GenerateDataKey + s.Decrypt + s.OwnedKey }

// KMSCalls returns the calls made to KMS since the Service was created.
func (s *Service) KMSCalls() KMSCallStats {
	return KMSCallStats{GenerateDataKey: s.calls.gen.Load(), Decrypt: s.calls.dec.Load(), OwnedKey: s.calls.owned.Load()}
}

// kmsCounters are the counters behind KMSCalls.
type kmsCounters struct{ gen, dec, owned atomic.Int64 }

// countingKeys is a KeyService that counts its calls.
type countingKeys struct {
	KeyService
	n *kmsCounters
}

func (k countingKeys) GenerateDataKey(ctx context.Context, c Caller, region, keyID string, encCtx map[string]string) ([]byte, []byte, string, error) {
	k.n.gen.Add(1)
	return k.KeyService.GenerateDataKey(ctx, c, region, keyID, encCtx)
}

func (k countingKeys) Decrypt(ctx context.Context, c Caller, region, keyARN string, ciphertext []byte, encCtx map[string]string) ([]byte, error) {
	k.n.dec.Add(1)
	return k.KeyService.Decrypt(ctx, c, region, keyARN, ciphertext, encCtx)
}

func (k countingKeys) SealWithOwnedKey(ctx context.Context, region string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	k.n.owned.Add(1)
	return k.KeyService.SealWithOwnedKey(ctx, region, plaintext, encCtx)
}

func (k countingKeys) OpenWithOwnedKey(ctx context.Context, region string, ciphertext []byte, encCtx map[string]string) ([]byte, error) {
	k.n.owned.Add(1)
	return k.KeyService.OpenWithOwnedKey(ctx, region, ciphertext, encCtx)
}

// bucketKey is one cached bucket key.
type bucketKey struct {
	plaintext []byte
	blob      []byte
	keyARN    string
	expires   time.Time
	refs      int // cache keys naming this entry
}

// bucketKeyCache holds bucket keys by generate request (principal, region,
// bucket, requested key id, context) and by blob (principal, key ARN,
// blob), so both PUT and GET find them.
type bucketKeyCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]*bucketKey
	// flights are the KMS calls in progress, by cache key.
	flights map[string]*bucketKeyFlight
}

// bucketKeyFlight is one KMS call in progress for a cache key; done is
// closed when it ended, err is then its error (the key, on success, is in
// the cache).
type bucketKeyFlight struct {
	done chan struct{}
	err  error
}

func genCacheKey(c Caller, region, bucket, keyID, ctxJSON string) string {
	return "g\x00" + c.PrincipalARN + "\x00" + region + "\x00" + bucket + "\x00" + keyID + "\x00" + ctxJSON
}

func blobCacheKey(c Caller, keyARN string, blob []byte) string {
	sum := sha256.Sum256(blob)
	return "b\x00" + c.PrincipalARN + "\x00" + keyARN + "\x00" + string(sum[:])
}

// get returns a copy of the live entry's plaintext key, blob and key ARN.
func (bc *bucketKeyCache) get(k string, now time.Time) (plaintext, blob []byte, keyARN string, ok bool) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	return bc.getLocked(k, now)
}

func (bc *bucketKeyCache) getLocked(k string, now time.Time) (plaintext, blob []byte, keyARN string, ok bool) {
	e, ok := bc.m[k]
	if !ok || !now.Before(e.expires) {
		return nil, nil, "", false
	}
	return append([]byte(nil), e.plaintext...), e.blob, e.keyARN, true
}

// put stores an entry under the given cache keys (a copy of plaintext).
func (bc *bucketKeyCache) put(now time.Time, plaintext, blob []byte, keyARN string, keys ...string) {
	bc.mu.Lock()
	defer bc.mu.Unlock()
	if bc.m == nil {
		bc.m = map[string]*bucketKey{}
	}
	if len(bc.m)+len(keys) > maxBucketKeys {
		for k, e := range bc.m {
			if !now.Before(e.expires) {
				bc.drop(k)
			}
		}
		for k := range bc.m {
			if len(bc.m)+len(keys) <= maxBucketKeys {
				break
			}
			bc.drop(k)
		}
	}
	e := &bucketKey{plaintext: append([]byte(nil), plaintext...), blob: blob, keyARN: keyARN, expires: now.Add(bc.ttl)}
	for _, k := range keys {
		bc.drop(k)
		bc.m[k] = e
		e.refs++
	}
}

// load returns the live entry under k or, on a miss, fetches it once for
// all concurrent callers of k: the first runs fetch and caches the result
// under k and the keys also names; the others wait for it and read the
// cache. They share its error, except a context error (the first caller's
// request ended): then one of them fetches in turn. A waiter whose own
// ctx ends returns ctx.Err().
func (bc *bucketKeyCache) load(ctx context.Context, k string, now time.Time,
	fetch func() (plaintext, blob []byte, keyARN string, err error),
	also func(blob []byte, keyARN string) []string) ([]byte, []byte, string, error) {
	for {
		bc.mu.Lock()
		if p, b, a, ok := bc.getLocked(k, now); ok {
			bc.mu.Unlock()
			return p, b, a, nil
		}
		f, waiting := bc.flights[k]
		if !waiting {
			f = &bucketKeyFlight{done: make(chan struct{})}
			if bc.flights == nil {
				bc.flights = map[string]*bucketKeyFlight{}
			}
			bc.flights[k] = f
		}
		bc.mu.Unlock()
		if waiting {
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, nil, "", ctx.Err()
			}
			if f.err != nil && !errors.Is(f.err, context.Canceled) && !errors.Is(f.err, context.DeadlineExceeded) {
				return nil, nil, "", f.err
			}
			continue
		}
		return bc.fly(k, f, now, fetch, also)
	}
}

// fly runs fetch as the flight f of k and ends f, even if fetch panics.
func (bc *bucketKeyCache) fly(k string, f *bucketKeyFlight, now time.Time,
	fetch func() ([]byte, []byte, string, error), also func([]byte, string) []string) (p, b []byte, a string, err error) {
	err = errors.New("s3: bucket key fetch did not return")
	defer func() {
		bc.mu.Lock()
		delete(bc.flights, k)
		f.err = err
		close(f.done)
		bc.mu.Unlock()
	}()
	p, b, a, err = fetch()
	if err == nil {
		bc.put(now, p, b, a, append([]string{k}, also(b, a)...)...)
	}
	return p, b, a, err
}

// drop removes k; the plaintext is cleared once no key names the entry.
func (bc *bucketKeyCache) drop(k string) {
	e, ok := bc.m[k]
	if !ok {
		return
	}
	delete(bc.m, k)
	if e.refs--; e.refs == 0 {
		clear(e.plaintext)
	}
}

// bucketKEK derives an object's KEK from a bucket key.
func bucketKEK(bk []byte, bucket, object string) []byte {
	m := hmac.New(sha256.New, bk)
	m.Write([]byte("coffer/s3 bucket key kek v1"))
	var n [4]byte
	binary.BigEndian.PutUint32(n[:], uint32(len(bucket)))
	m.Write(n[:])
	m.Write([]byte(bucket))
	m.Write([]byte(object))
	return m.Sum(nil)
}

// generateBucketKey returns the bucket key for a PUT by c: cached, or a
// new data key from KMS with encCtx (which names the bucket ARN).
func (s *Service) generateBucketKey(ctx context.Context, c Caller, region, bucket, keyID string, encCtx map[string]string) (plaintext, blob []byte, keyARN string, err error) {
	ctxJSON, _ := json.Marshal(encCtx)
	gk := genCacheKey(c, region, bucket, keyID, string(ctxJSON))
	return s.bucketKeys.load(ctx, gk, s.now(),
		func() ([]byte, []byte, string, error) { return s.keys.GenerateDataKey(ctx, c, region, keyID, encCtx) },
		func(blob []byte, keyARN string) []string { return []string{blobCacheKey(c, keyARN, blob)} })
}

// decryptBucketKey returns the plaintext bucket key of blob for c: cached,
// or KMS Decrypt as c.
func (s *Service) decryptBucketKey(ctx context.Context, c Caller, region, keyARN string, blob []byte, encCtx map[string]string) ([]byte, error) {
	bk := blobCacheKey(c, keyARN, blob)
	p, _, _, err := s.bucketKeys.load(ctx, bk, s.now(),
		func() ([]byte, []byte, string, error) {
			p, err := s.keys.Decrypt(ctx, c, region, keyARN, blob, encCtx)
			return p, blob, keyARN, err
		},
		func([]byte, string) []string { return nil })
	return p, err
}
