package storetest

import (
	"context"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
)

// The S3 side of the suite: buckets, objects, multipart uploads and parts.
//
// Bucket names are global across accounts. Object keys sort in byte order
// (UTF-8), and prefix listings select exactly the keys that start with the
// prefix, whatever characters it holds (LIKE wildcards included).

var s3Tests = []struct {
	name string
	fn   func(t *testing.T, open func(t *testing.T) store.Store)
}{
	{"Buckets", testBuckets},
	{"BucketNamesGlobal", testBucketNamesGlobal},
	{"Objects", testObjects},
	{"ObjectNeedsBucket", testObjectNeedsBucket},
	{"ListObjectsPrefix", testListObjectsPrefix},
	{"ListObjectsPaging", testListObjectsPaging},
	{"Uploads", testUploads},
	{"ListUploads", testListUploads},
	{"PartsLifecycle", testPartsLifecycle},
	{"ObjectPartBlobs", testObjectPartBlobs},
	{"BlobsInUse", testBlobsInUse},
	{"CompleteUploadAtomic", testCompleteUploadAtomic},
	{"CountObjects", testCountObjects},
	{"S3Watch", testS3Watch},
	{"S3Atomicity", testS3Atomicity},
	{"S3ContinueAfterError", testS3ContinueAfterError},
}

func newBucket(account, name string) store.Bucket {
	return store.Bucket{Name: name, Account: account, Region: region, CreatedAt: at(0)}
}

func createBuckets(t *testing.T, s store.Store, bs ...store.Bucket) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, b := range bs {
			if err := tx.CreateBucket(ctx, b); err != nil {
				return err
			}
		}
		return nil
	})
}

func newObject(bucket, key, blob string) store.Object {
	return store.Object{
		Bucket: bucket, Key: key, BlobID: blob, Size: 42, ETag: `"` + blob + `"`, LastModified: at(0),
		ContentType: "text/plain", Metadata: `{"x-amz-meta-a":"b"}`,
		Encryption: store.ObjectEncryption{Mode: "AES256", SealedKey: []byte{1, 2, 3}},
	}
}

// putObjects puts objects and fails the test unless each replaced nothing.
func putObjects(t *testing.T, s store.Store, os ...store.Object) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, o := range os {
			old, err := tx.PutObject(ctx, o)
			if err != nil {
				return err
			}
			if len(old) != 0 {
				t.Errorf("PutObject %s replaced %q", o.Key, old)
			}
		}
		return nil
	})
}

func checkBucket(t *testing.T, got, want store.Bucket) {
	t.Helper()
	checkTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	got.CreatedAt, want.CreatedAt = utc(got.CreatedAt), utc(want.CreatedAt)
	if got != want {
		t.Errorf("bucket mismatch:\n got  %+v\n want %+v", got, want)
	}
}

func checkObject(t *testing.T, got, want store.Object) {
	t.Helper()
	checkTime(t, "LastModified", got.LastModified, want.LastModified)
	got.LastModified, want.LastModified = utc(got.LastModified), utc(want.LastModified)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("object mismatch:\n got  %+v\n want %+v", got, want)
	}
}

func checkUpload(t *testing.T, got, want store.Upload) {
	t.Helper()
	checkTime(t, "Initiated", got.Initiated, want.Initiated)
	got.Initiated, want.Initiated = utc(got.Initiated), utc(want.Initiated)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("upload mismatch:\n got  %+v\n want %+v", got, want)
	}
}

func objectKeys(os []store.Object) []string {
	return names(os, func(o store.Object) string { return o.Key })
}

func testBuckets(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	_, err := s.GetBucket(ctx, "nope")
	wantErr(t, "GetBucket absent", err, store.ErrNotFound)

	b := newBucket(acct1, "photos")
	b.Encryption = `{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"aws:kms"}}]}`
	b.Policy = `{"Version":"2012-10-17"}`
	createBuckets(t, s, b, newBucket(acct1, "docs"), newBucket(acct1, "Zeta"), newBucket(acct2, "other"))
	got, err := s.GetBucket(ctx, "photos")
	ok(t, "GetBucket", err)
	checkBucket(t, got, b)

	list, err := s.ListBuckets(ctx, acct1)
	ok(t, "ListBuckets", err)
	checkNames(t, "ListBuckets", names(list, func(b store.Bucket) string { return b.Name }), "Zeta", "docs", "photos")
	checkBucket(t, list[2], b)
	list, err = s.ListBuckets(ctx, "999999999999")
	ok(t, "ListBuckets empty", err)
	checkNames(t, "ListBuckets empty", names(list, func(b store.Bucket) string { return b.Name }))

	// UpdateBucket replaces encryption and policy only.
	upd := b
	upd.Encryption, upd.Policy = "", ""
	upd.Account, upd.Region = "ignored", "ignored"
	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.UpdateBucket(ctx, upd) })
	got, err = s.GetBucket(ctx, "photos")
	ok(t, "GetBucket after update", err)
	want := b
	want.Encryption, want.Policy = "", ""
	checkBucket(t, got, want)

	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.UpdateBucket(ctx, newBucket(acct1, "nope")) })
	wantErr(t, "UpdateBucket absent", err, store.ErrNotFound)

	update(t, s, func(ctx context.Context, tx store.Tx) error { return tx.DeleteBucket(ctx, "photos") })
	_, err = s.GetBucket(ctx, "photos")
	wantErr(t, "GetBucket deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteBucket(ctx, "photos") })
	wantErr(t, "DeleteBucket absent", err, store.ErrNotFound)

	// The name is free again.
	createBuckets(t, s, newBucket(acct2, "photos"))

	// A bucket holding objects cannot be deleted (the service checks
	// first; the store only refuses).
	putObjects(t, s, newObject("photos", "k", "blob"))
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.DeleteBucket(ctx, "photos") })
	if err == nil {
		t.Error("DeleteBucket of a bucket holding objects succeeded")
	}
	_, err = s.GetBucket(ctx, "photos")
	ok(t, "GetBucket after refused delete", err)
}

func testBucketNamesGlobal(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "shared"))
	for _, b := range []store.Bucket{newBucket(acct1, "shared"), newBucket(acct2, "shared"),
		{Name: "shared", Account: acct2, Region: "eu-west-1"}} {
		err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateBucket(ctx, b) })
		wantErr(t, "CreateBucket "+b.Account+"/"+b.Region, err, store.ErrExists)
	}
	got, err := s.GetBucket(ctx, "shared")
	ok(t, "GetBucket", err)
	checkBucket(t, got, newBucket(acct1, "shared"))
	list, err := s.ListBuckets(ctx, acct2)
	ok(t, "ListBuckets", err)
	if len(list) != 0 {
		t.Errorf("ListBuckets(%s) = %+v, want none", acct2, list)
	}
	// Names are case-sensitive.
	createBuckets(t, s, newBucket(acct2, "Shared"))
}

func testObjects(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"), newBucket(acct1, "c"))
	_, err := s.GetObject(ctx, "b", "k")
	wantErr(t, "GetObject absent", err, store.ErrNotFound)

	full := store.Object{
		Bucket: "b", Key: "dir/file.txt", BlobID: "blob1", Size: 1 << 40, ETag: `"abc-3"`, LastModified: at(1e9),
		ContentType: "application/json", Metadata: `{"Cache-Control":"no-cache","x-amz-meta-k":"v"}`,
		Checksum: "CRC32:AAAAAA==:COMPOSITE", Parts: "[5242912,5242912,100]",
		Encryption: store.ObjectEncryption{
			Mode: "aws:kms", KMSKeyARN: "arn:aws:kms:us-east-1:111122223333:key/k",
			KMSContext: `{"aws:s3:arn":"arn:aws:s3:::b/dir/file.txt"}`, EncryptedDataKey: []byte{9, 8, 7},
			BucketKey: true, SealedKey: []byte{1, 2}, CustomerKeyCheck: []byte{3}, CustomerKeyMD5: "md5==",
		},
	}
	bare := store.Object{Bucket: "b", Key: "bare", BlobID: "blob2"} // zero time, nil byte fields
	putObjects(t, s, full, bare)
	got, err := s.GetObject(ctx, "b", "dir/file.txt")
	ok(t, "GetObject", err)
	checkObject(t, got, full)
	got, err = s.GetObject(ctx, "b", "bare")
	ok(t, "GetObject bare", err)
	checkObject(t, got, bare)
	_, err = s.GetObject(ctx, "c", "bare")
	wantErr(t, "GetObject other bucket", err, store.ErrNotFound)

	// Replacing returns the old blob, and replaces every field.
	repl := newObject("b", "dir/file.txt", "blob3")
	var old []string
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		old, err = tx.PutObject(ctx, repl)
		return err
	})
	if len(old) != 1 || old[0] != "blob1" {
		t.Errorf("PutObject replaced %q, want blob1", old)
	}
	got, err = s.GetObject(ctx, "b", "dir/file.txt")
	ok(t, "GetObject replaced", err)
	checkObject(t, got, repl)
	// The same key in another bucket is another object.
	putObjects(t, s, newObject("c", "dir/file.txt", "blob4"))

	var deleted []string
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		deleted, err = tx.DeleteObject(ctx, "b", "dir/file.txt")
		return err
	})
	if len(deleted) != 1 || deleted[0] != "blob3" {
		t.Errorf("DeleteObject returned %q, want blob3", deleted)
	}
	_, err = s.GetObject(ctx, "b", "dir/file.txt")
	wantErr(t, "GetObject deleted", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteObject(ctx, "b", "dir/file.txt")
		return err
	})
	wantErr(t, "DeleteObject absent", err, store.ErrNotFound)
	got, err = s.GetObject(ctx, "c", "dir/file.txt")
	ok(t, "GetObject other bucket", err)
	checkObject(t, got, newObject("c", "dir/file.txt", "blob4"))

	// Read your writes inside a transaction.
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.PutObject(ctx, newObject("b", "tx", "blob5")); err != nil {
			return err
		}
		o, err := tx.GetObject(ctx, "b", "tx")
		if err != nil {
			return err
		}
		if o.BlobID != "blob5" {
			t.Errorf("GetObject in tx = %+v", o)
		}
		list, err := tx.ListObjects(ctx, "b", "t", store.Page{})
		if err != nil {
			return err
		}
		checkNames(t, "ListObjects in tx", objectKeys(list), "tx")
		return nil
	})
}

func testObjectNeedsBucket(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.PutObject(ctx, newObject("nope", "k", "blob"))
		return err
	})
	wantErr(t, "PutObject without bucket", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateUpload(ctx, store.Upload{Bucket: "nope", Key: "k", UploadID: "u"})
	})
	wantErr(t, "CreateUpload without bucket", err, store.ErrNotFound)
}

// s3Keys exercise byte order and LIKE wildcards: '%' and '_' sort before
// letters, '/' before '0', multi-byte characters after ASCII, and U+10FFFF
// and U+D7FF (the code point before the surrogates) test PrefixEnd.
var s3Keys = []string{
	"a", "a/", "a/b", "a/b/c", "a/c%", "a/_x", "a0", "a%", "a%b", "a_", "a_b", "ab", "aB", "A",
	"b", "é", "éa", "ê", "a\U0010FFFF", "a\U0010FFFFz", "\U0010FFFF", "\uD7FF", "\uD7FFx", "\uE000",
	"\uFFFF", "z", "~",
}

func sortedKeys(prefix string) []string {
	out := []string{}
	for _, k := range s3Keys {
		if strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
	}
	sort.Strings(out) // byte order
	return out
}

func putKeys(t *testing.T, s store.Store, bucket string) {
	t.Helper()
	var os []store.Object
	for i, k := range s3Keys {
		os = append(os, newObject(bucket, k, "blob"+string(rune('A'+i))))
	}
	putObjects(t, s, os...)
}

func testListObjectsPrefix(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"), newBucket(acct1, "other"))
	putKeys(t, s, "b")
	putObjects(t, s, newObject("other", "a/zzz", "x"))
	for _, prefix := range []string{"", "a", "a/", "a/b", "a%", "a_", "%", "_", "a\U0010FFFF", "\U0010FFFF",
		"\uD7FF", "é", "\u00e9", "e", "b", "z", "~", "nothing", "a/b/c/d"} {
		t.Run(prefix, func(t *testing.T) {
			got, err := s.ListObjects(ctx, "b", prefix, store.Page{})
			ok(t, "ListObjects", err)
			checkNames(t, "ListObjects "+prefix, objectKeys(got), sortedKeys(prefix)...)
			for _, o := range got {
				if o.Bucket != "b" {
					t.Errorf("object of bucket %q listed", o.Bucket)
				}
			}
		})
	}
	got, err := s.ListObjects(ctx, "b", "a", store.Page{Limit: 1})
	ok(t, "ListObjects limit", err)
	checkObject(t, got[0], newObject("b", "a", "blobA"))
	got, err = s.ListObjects(ctx, "nope", "", store.Page{})
	ok(t, "ListObjects absent bucket", err)
	checkNames(t, "ListObjects absent bucket", objectKeys(got))
}

func testListObjectsPaging(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	putKeys(t, s, "b")
	for _, prefix := range []string{"", "a", "a/", "a\U0010FFFF"} {
		for _, limit := range []int{1, 2, 5} {
			var all []string
			after := ""
			for i := 0; ; i++ {
				if i > len(s3Keys) {
					t.Fatalf("prefix %q limit %d: paging does not end", prefix, limit)
				}
				page, err := s.ListObjects(ctx, "b", prefix, store.Page{After: after, Limit: limit})
				ok(t, "ListObjects", err)
				if len(page) > limit {
					t.Fatalf("prefix %q: %d objects, limit %d", prefix, len(page), limit)
				}
				if len(page) == 0 {
					break
				}
				all = append(all, objectKeys(page)...)
				after = page[len(page)-1].Key
			}
			checkNames(t, "paged ListObjects "+prefix, all, sortedKeys(prefix)...)
		}
	}
	// After may lie before the prefix, inside it, or past it.
	got, err := s.ListObjects(ctx, "b", "a/", store.Page{After: "A"})
	ok(t, "ListObjects after before prefix", err)
	checkNames(t, "after before prefix", objectKeys(got), sortedKeys("a/")...)
	got, err = s.ListObjects(ctx, "b", "a/", store.Page{After: "a/b"})
	ok(t, "ListObjects after inside prefix", err)
	checkNames(t, "after inside prefix", objectKeys(got), "a/b/c", "a/c%")
	got, err = s.ListObjects(ctx, "b", "a/", store.Page{After: "a0"})
	ok(t, "ListObjects after past prefix", err)
	checkNames(t, "after past prefix", objectKeys(got))
	got, err = s.ListObjects(ctx, "b", "", store.Page{After: "é", Limit: 3})
	ok(t, "ListObjects after unicode", err)
	checkNames(t, "after unicode", objectKeys(got), "éa", "ê", "\uD7FF")
}

func newUpload(bucket, key, id string, d int) store.Upload {
	return store.Upload{
		Bucket: bucket, Key: key, UploadID: id, Initiated: at(secs(d)), ContentType: "image/png",
		Metadata: `{"x-amz-meta-a":"b"}`, ChecksumAlgorithm: "SHA256",
		Encryption: store.ObjectEncryption{Mode: "SSE-C", SealedKey: []byte{4}, CustomerKeyCheck: []byte{5, 6}, CustomerKeyMD5: "m=="},
	}
}

func secs(d int) time.Duration { return time.Duration(d) * time.Second }

func createUploads(t *testing.T, s store.Store, us ...store.Upload) {
	t.Helper()
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, u := range us {
			if err := tx.CreateUpload(ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
}

func testUploads(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"), newBucket(acct1, "c"))
	u := newUpload("b", "big.bin", "up1", 0)
	bare := store.Upload{Bucket: "b", Key: "k", UploadID: "up2"}
	createUploads(t, s, u, bare)
	got, err := s.GetUpload(ctx, "b", "up1")
	ok(t, "GetUpload", err)
	checkUpload(t, got, u)
	got, err = s.GetUpload(ctx, "b", "up2")
	ok(t, "GetUpload bare", err)
	checkUpload(t, got, bare)
	_, err = s.GetUpload(ctx, "c", "up1")
	wantErr(t, "GetUpload other bucket", err, store.ErrNotFound)
	_, err = s.GetUpload(ctx, "b", "nope")
	wantErr(t, "GetUpload absent", err, store.ErrNotFound)
	// Upload ids are unique across buckets.
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateUpload(ctx, newUpload("c", "x", "up1", 0))
	})
	wantErr(t, "CreateUpload taken id", err, store.ErrExists)

	blobs := deleteUpload(t, s, "b", "up2")
	if len(blobs) != 0 {
		t.Errorf("DeleteUpload without parts = %q", blobs)
	}
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteUpload(ctx, "b", "up2")
		return err
	})
	wantErr(t, "DeleteUpload absent", err, store.ErrNotFound)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteUpload(ctx, "c", "up1")
		return err
	})
	wantErr(t, "DeleteUpload other bucket", err, store.ErrNotFound)
	_, err = s.GetUpload(ctx, "b", "up1")
	ok(t, "GetUpload after DeleteUpload of other bucket", err)
}

func deleteUpload(t *testing.T, s store.Store, bucket, id string) []string {
	t.Helper()
	var blobs []string
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		blobs, err = tx.DeleteUpload(ctx, bucket, id)
		return err
	})
	return blobs
}

func testListUploads(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"), newBucket(acct1, "c"))
	createUploads(t, s,
		newUpload("b", "a/x", "u3", 30), newUpload("b", "a/x", "u1", 10), newUpload("b", "a/x", "u2", 20),
		newUpload("b", "a0", "u4", 0), newUpload("b", "a%", "u5", 0), newUpload("b", "é", "u6", 0),
		newUpload("c", "a/x", "u7", 0))
	ids := func(us []store.Upload) []string { return names(us, func(u store.Upload) string { return u.UploadID }) }
	got, err := s.ListUploads(ctx, "b", "", store.Page{})
	ok(t, "ListUploads", err)
	checkNames(t, "ListUploads", ids(got), "u5", "u1", "u2", "u3", "u4", "u6")
	checkUpload(t, got[1], newUpload("b", "a/x", "u1", 10))
	got, err = s.ListUploads(ctx, "b", "a/", store.Page{})
	ok(t, "ListUploads prefix", err)
	checkNames(t, "ListUploads a/", ids(got), "u1", "u2", "u3")
	got, err = s.ListUploads(ctx, "b", "a", store.Page{After: "a/x", Limit: 1})
	ok(t, "ListUploads after", err)
	checkNames(t, "ListUploads after a/x", ids(got), "u4")
	got, err = s.ListUploads(ctx, "b", "", store.Page{Limit: 2})
	ok(t, "ListUploads limit", err)
	checkNames(t, "ListUploads limit", ids(got), "u5", "u1")
}

func testPartsLifecycle(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	createUploads(t, s, newUpload("b", "k", "up", 0), newUpload("b", "k", "keep", 1))
	part := func(id string, n int, blob string) store.Part {
		return store.Part{UploadID: id, Number: n, BlobID: blob, Size: int64(n) * 100, EncryptedSize: int64(n)*100 + 16,
			ETag: `"` + blob + `"`, Checksum: "SHA256:x=", LastModified: at(secs(n))}
	}
	putPart := func(p store.Part) string {
		t.Helper()
		var old string
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			old, err = tx.PutPart(ctx, p)
			return err
		})
		return old
	}
	for _, n := range []int{3, 1, 2, 10000} {
		if old := putPart(part("up", n, "p"+string(rune('0'+n%10)))); old != "" {
			t.Errorf("PutPart %d replaced %q", n, old)
		}
	}
	putPart(part("keep", 1, "kept"))
	if old := putPart(part("up", 2, "p2bis")); old != "p2" {
		t.Errorf("PutPart replaced %q, want p2", old)
	}
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.PutPart(ctx, part("nope", 1, "x"))
		return err
	})
	wantErr(t, "PutPart absent upload", err, store.ErrNotFound)

	parts, err := s.ListParts(ctx, "up", 0, 0)
	ok(t, "ListParts", err)
	numbers := func(ps []store.Part) []string {
		return names(ps, func(p store.Part) string { return p.BlobID })
	}
	checkNames(t, "ListParts", numbers(parts), "p1", "p2bis", "p3", "p0")
	want := part("up", 2, "p2bis")
	checkTime(t, "part LastModified", parts[1].LastModified, want.LastModified)
	parts[1].LastModified = utc(parts[1].LastModified)
	if parts[1] != want {
		t.Errorf("part mismatch:\n got  %+v\n want %+v", parts[1], want)
	}
	parts, err = s.ListParts(ctx, "up", 1, 2)
	ok(t, "ListParts after 1 limit 2", err)
	checkNames(t, "ListParts after 1 limit 2", numbers(parts), "p2bis", "p3")
	parts, err = s.ListParts(ctx, "up", 3, 0)
	ok(t, "ListParts after 3", err)
	checkNames(t, "ListParts after 3", numbers(parts), "p0")

	blobs := deleteUpload(t, s, "b", "up")
	checkNames(t, "DeleteUpload blobs", blobs, "p0", "p1", "p2bis", "p3")
	parts, err = s.ListParts(ctx, "up", 0, 0)
	ok(t, "ListParts after delete", err)
	checkNames(t, "ListParts after delete", numbers(parts))
	parts, err = s.ListParts(ctx, "keep", 0, 0)
	ok(t, "ListParts of other upload", err)
	checkNames(t, "ListParts of other upload", numbers(parts), "kept")
	// The upload id can be reused, without the old parts.
	createUploads(t, s, newUpload("b", "k", "up", 2))
	parts, err = s.ListParts(ctx, "up", 0, 0)
	ok(t, "ListParts of reused id", err)
	checkNames(t, "ListParts of reused id", numbers(parts))
}

func testCountObjects(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"), newBucket(acct1, "empty"), newBucket(acct1, "uploads"))
	putObjects(t, s, newObject("b", "1", "x"), newObject("b", "2", "x"), newObject("b", "3", "x"))
	createUploads(t, s, newUpload("b", "4", "u1", 0), newUpload("b", "4", "u2", 0), newUpload("uploads", "k", "u3", 0))
	for _, tc := range []struct {
		bucket       string
		limit, count int
	}{
		{"b", 0, 5}, {"b", 10, 5}, {"b", 5, 5}, {"b", 4, 4}, {"b", 1, 1},
		{"empty", 0, 0}, {"empty", 1, 0}, {"uploads", 1, 1}, {"uploads", 0, 1}, {"nope", 1, 0},
	} {
		n, err := s.CountObjects(ctx, tc.bucket, tc.limit)
		ok(t, "CountObjects", err)
		if n != tc.count {
			t.Errorf("CountObjects(%s, %d) = %d, want %d", tc.bucket, tc.limit, n, tc.count)
		}
	}
}

func testS3Watch(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	var c collector
	defer s.Watch(c.add)()
	bucket := func(name string) store.Change { return store.Change{Kind: store.ChangeBucket, ID: name} }
	writes := []struct {
		name string
		fn   func(ctx context.Context, tx store.Tx) error
		want []store.Change
	}{
		{"CreateBucket", func(ctx context.Context, tx store.Tx) error { return tx.CreateBucket(ctx, newBucket(acct1, "b")) },
			[]store.Change{bucket("b")}},
		{"UpdateBucket", func(ctx context.Context, tx store.Tx) error {
			b := newBucket(acct1, "b")
			b.Policy = "{}"
			return tx.UpdateBucket(ctx, b)
		}, []store.Change{bucket("b")}},
		{"Objects", func(ctx context.Context, tx store.Tx) error {
			if _, err := tx.PutObject(ctx, newObject("b", "k", "x")); err != nil {
				return err
			}
			if err := tx.CreateUpload(ctx, newUpload("b", "k", "u", 0)); err != nil {
				return err
			}
			if _, err := tx.PutPart(ctx, store.Part{UploadID: "u", Number: 1, BlobID: "p"}); err != nil {
				return err
			}
			if _, err := tx.DeleteUpload(ctx, "b", "u"); err != nil {
				return err
			}
			_, err := tx.DeleteObject(ctx, "b", "k")
			return err
		}, nil},
		{"DeleteBucket", func(ctx context.Context, tx store.Tx) error { return tx.DeleteBucket(ctx, "b") },
			[]store.Change{bucket("b")}},
	}
	for _, w := range writes {
		c.mu.Lock()
		c.got = nil
		c.mu.Unlock()
		update(t, s, w.fn)
		// A marker write tells when everything before it was delivered.
		marker := bucket("marker-" + strings.ToLower(w.name))
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			return tx.CreateBucket(ctx, newBucket(acct2, marker.ID))
		})
		c.waitFor(t, append(w.want, marker)...)
		c.mu.Lock()
		got := c.got
		c.mu.Unlock()
		if want := append(w.want, marker); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: changes %+v, want %+v", w.name, got, want)
		}
	}

	rolledBack := bucket("rolled-back")
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateBucket(ctx, newBucket(acct1, rolledBack.ID)); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "Update rolled back", err, errRollback)
	if c.has(rolledBack) {
		t.Error("a rolled-back transaction was reported")
	}
}

func testS3Atomicity(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "keep"))
	putObjects(t, s, newObject("keep", "old", "blob-old"))
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateBucket(ctx, newBucket(acct1, "new")); err != nil {
			return err
		}
		if _, err := tx.PutObject(ctx, newObject("new", "k", "x")); err != nil {
			return err
		}
		if _, err := tx.PutObject(ctx, newObject("keep", "old", "blob-new")); err != nil {
			return err
		}
		if err := tx.CreateUpload(ctx, newUpload("keep", "k", "u", 0)); err != nil {
			return err
		}
		if _, err := tx.DeleteObject(ctx, "keep", "old"); err != nil {
			return err
		}
		return errRollback
	})
	wantErr(t, "Update", err, errRollback)
	_, err = s.GetBucket(ctx, "new")
	wantErr(t, "GetBucket rolled back", err, store.ErrNotFound)
	_, err = s.GetUpload(ctx, "keep", "u")
	wantErr(t, "GetUpload rolled back", err, store.ErrNotFound)
	o, err := s.GetObject(ctx, "keep", "old")
	ok(t, "GetObject after rollback", err)
	if o.BlobID != "blob-old" {
		t.Errorf("object after rollback has blob %q, want blob-old", o.BlobID)
	}
}

func testS3ContinueAfterError(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	createUploads(t, s, newUpload("b", "k", "u", 0))
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		wantErr(t, "CreateBucket taken", tx.CreateBucket(ctx, newBucket(acct2, "b")), store.ErrExists)
		wantErr(t, "UpdateBucket absent", tx.UpdateBucket(ctx, newBucket(acct1, "nope")), store.ErrNotFound)
		wantErr(t, "DeleteBucket absent", tx.DeleteBucket(ctx, "nope"), store.ErrNotFound)
		_, err := tx.GetBucket(ctx, "nope")
		wantErr(t, "GetBucket absent", err, store.ErrNotFound)
		_, err = tx.PutObject(ctx, newObject("nope", "k", "x"))
		wantErr(t, "PutObject absent bucket", err, store.ErrNotFound)
		_, err = tx.DeleteObject(ctx, "b", "nope")
		wantErr(t, "DeleteObject absent", err, store.ErrNotFound)
		_, err = tx.GetObject(ctx, "b", "nope")
		wantErr(t, "GetObject absent", err, store.ErrNotFound)
		wantErr(t, "CreateUpload taken", tx.CreateUpload(ctx, newUpload("b", "k", "u", 0)), store.ErrExists)
		_, err = tx.PutPart(ctx, store.Part{UploadID: "nope", Number: 1})
		wantErr(t, "PutPart absent upload", err, store.ErrNotFound)
		_, err = tx.DeleteUpload(ctx, "b", "nope")
		wantErr(t, "DeleteUpload absent", err, store.ErrNotFound)
		_, err = tx.GetUpload(ctx, "b", "nope")
		wantErr(t, "GetUpload absent", err, store.ErrNotFound)
		// The transaction goes on.
		_, err = tx.PutObject(ctx, newObject("b", "k", "x"))
		return err
	})
	_, err := s.GetObject(ctx, "b", "k")
	ok(t, "GetObject", err)
}

// testObjectPartBlobs: a multipart object stored by reference keeps its
// parts' blobs in order; replacing or deleting it returns them all.
func testObjectPartBlobs(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	mp := newObject("b", "mp", "")
	mp.Parts = `[{"Number":1,"EncryptedSize":10},{"Number":2,"EncryptedSize":10},{"Number":3,"EncryptedSize":10}]`
	mp.PartBlobs = []string{"pc", "pa", "pb"} // object order, not sorted
	putObjects(t, s, mp)
	got, err := s.GetObject(ctx, "b", "mp")
	ok(t, "GetObject multipart", err)
	checkObject(t, got, mp)

	replace := func(o store.Object) []string {
		t.Helper()
		var old []string
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			var err error
			old, err = tx.PutObject(ctx, o)
			return err
		})
		sort.Strings(old)
		return old
	}
	// Multipart replaced by multipart: the old parts are returned, the new
	// ones kept.
	mp2 := mp
	mp2.PartBlobs = []string{"q1", "q2", "q3"}
	checkNames(t, "PutObject over multipart", replace(mp2), "pa", "pb", "pc")
	got, err = s.GetObject(ctx, "b", "mp")
	ok(t, "GetObject replaced multipart", err)
	checkObject(t, got, mp2)
	// Single blob over multipart, then multipart over single blob.
	checkNames(t, "PutObject single over multipart", replace(newObject("b", "mp", "single")), "q1", "q2", "q3")
	got, err = s.GetObject(ctx, "b", "mp")
	ok(t, "GetObject single", err)
	if got.PartBlobs != nil {
		t.Errorf("single-blob object has PartBlobs %q", got.PartBlobs)
	}
	checkNames(t, "PutObject multipart over single", replace(mp), "single")

	// Listings leave PartBlobs nil.
	os, err := s.ListObjects(ctx, "b", "", store.Page{})
	ok(t, "ListObjects", err)
	if len(os) != 1 || os[0].PartBlobs != nil {
		t.Errorf("ListObjects = %+v, want one object without PartBlobs", os)
	}

	var deleted []string
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		var err error
		deleted, err = tx.DeleteObject(ctx, "b", "mp")
		return err
	})
	sort.Strings(deleted)
	checkNames(t, "DeleteObject multipart", deleted, "pa", "pb", "pc")
	// A new object under the key starts without parts.
	putObjects(t, s, newObject("b", "mp", "fresh"))
	got, err = s.GetObject(ctx, "b", "mp")
	ok(t, "GetObject fresh", err)
	checkObject(t, got, newObject("b", "mp", "fresh"))
}

// testBlobsInUse: objects, object parts and upload parts keep their blobs.
func testBlobsInUse(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	mp := newObject("b", "mp", "")
	mp.Parts = `[{"Number":1,"EncryptedSize":10}]`
	mp.PartBlobs = []string{"objpart"}
	putObjects(t, s, newObject("b", "single", "obj"), mp)
	createUploads(t, s, newUpload("b", "k", "up", 0))
	update(t, s, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.PutPart(ctx, store.Part{UploadID: "up", Number: 1, BlobID: "uppart", ETag: `"x"`})
		return err
	})
	for _, tc := range []struct {
		name string
		ids  []string
		want []string
	}{
		{"none", nil, nil},
		{"orphans", []string{"o1", "o2"}, nil},
		{"all kinds", []string{"obj", "o1", "objpart", "uppart"}, []string{"obj", "objpart", "uppart"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.BlobsInUse(ctx, tc.ids)
			ok(t, "BlobsInUse", err)
			sort.Strings(got)
			if got == nil {
				got = []string{}
			}
			checkNames(t, "BlobsInUse", got, tc.want...)
		})
	}
}

// testCompleteUploadAtomic: CompleteMultipartUpload's transaction
// (DeleteUpload, then PutObject with the parts' blobs over an existing
// object) rolled back, as by a crash before the commit, leaves the upload
// with every part and the old object; committed, the object with its part
// blobs and no upload.
func testCompleteUploadAtomic(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := t.Context()
	createBuckets(t, s, newBucket(acct1, "b"))
	putObjects(t, s, newObject("b", "k", "old"))
	createUploads(t, s, newUpload("b", "k", "up", 0))
	for n, blob := range []string{"p1", "p2", "p3"} {
		update(t, s, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.PutPart(ctx, store.Part{UploadID: "up", Number: n + 1, BlobID: blob, ETag: `"e"`})
			return err
		})
	}
	mp := newObject("b", "k", "")
	mp.Parts = `[{"Number":1,"EncryptedSize":10},{"Number":3,"EncryptedSize":10}]`
	mp.PartBlobs = []string{"p1", "p3"}
	complete := func(fail bool) ([]string, []string, error) {
		var released, replaced []string
		err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			var err error
			if released, err = tx.DeleteUpload(ctx, "b", "up"); err != nil {
				return err
			}
			if replaced, err = tx.PutObject(ctx, mp); err != nil {
				return err
			}
			if fail {
				return errRollback
			}
			return nil
		})
		return released, replaced, err
	}
	_, _, err := complete(true)
	wantErr(t, "rolled back completion", err, errRollback)
	parts, err := s.ListParts(ctx, "up", 0, 0)
	ok(t, "ListParts after rollback", err)
	checkNames(t, "parts after rollback", names(parts, func(p store.Part) string { return p.BlobID }), "p1", "p2", "p3")
	got, err := s.GetObject(ctx, "b", "k")
	ok(t, "GetObject after rollback", err)
	checkObject(t, got, newObject("b", "k", "old"))
	if used, err := s.BlobsInUse(ctx, []string{"p1", "p2", "p3", "old"}); err != nil || len(used) != 4 {
		t.Errorf("BlobsInUse after rollback = %q, %v; want all four", used, err)
	}

	released, replaced, err := complete(false)
	ok(t, "completion", err)
	checkNames(t, "released part blobs", released, "p1", "p2", "p3")
	checkNames(t, "replaced object blobs", replaced, "old")
	got, err = s.GetObject(ctx, "b", "k")
	ok(t, "GetObject after completion", err)
	checkObject(t, got, mp)
	_, err = s.GetUpload(ctx, "b", "up")
	wantErr(t, "GetUpload after completion", err, store.ErrNotFound)
	used, err := s.BlobsInUse(ctx, []string{"p1", "p2", "p3", "old"})
	ok(t, "BlobsInUse after completion", err)
	sort.Strings(used)
	checkNames(t, "BlobsInUse after completion", used, "p1", "p3")
}
