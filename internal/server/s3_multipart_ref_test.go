package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/store"
)

// blobIDs lists the committed blobs under e's data directory, sorted,
// once the deletions running after earlier responses have finished.
func (e *s3Env) blobIDs(t testing.TB) []string {
	t.Helper()
	e.app.S3.WaitReleased()
	var ids []string
	err := filepath.WalkDir(filepath.Join(e.dataDir, app.BlobDir, "objects"), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			ids = append(ids, d.Name())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return ids
}

// uploadParts uploads chunks as parts numbered numbers and returns the
// completed-part list.
func uploadParts(t *testing.T, c *s3.Client, bucket, key string, uploadID *string, numbers []int32, chunks [][]byte) []types.CompletedPart {
	t.Helper()
	var done []types.CompletedPart
	for i, n := range numbers {
		out, err := c.UploadPart(context.Background(), &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: uploadID,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(chunks[i])})
		if err != nil {
			t.Fatalf("part %d: %v", n, err)
		}
		done = append(done, types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag})
	}
	return done
}

// TestS3MultipartByReference: CompleteMultipartUpload writes no object
// bytes; the object reads across its parts' blobs (whole, ranges, part
// numbers), unlisted parts are removed, and overwriting or deleting the
// object removes its parts' blobs. An object whose parts were joined into
// one blob (the layout before this one) stays readable.
func TestS3MultipartByReference(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "ref")
	data := make([]byte, 10<<20+70000)
	rand.Read(data)
	// Parts 1, 3, 4 are the object; part 2 is uploaded but not listed.
	chunks := [][]byte{data[:5<<20], make([]byte, 5<<20), data[5<<20 : 10<<20], data[10<<20:]}
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	done := uploadParts(t, e.s3, "ref", "obj", up.UploadId, []int32{1, 2, 3, 4}, chunks)
	partBlobs := e.blobIDs(t)
	if len(partBlobs) != 4 {
		t.Fatalf("%d blobs after 4 parts", len(partBlobs))
	}
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("obj"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{done[0], done[2], done[3]}}}); err != nil {
		t.Fatal(err)
	}
	o, err := e.app.Store.GetObject(ctx, "ref", "obj")
	if err != nil {
		t.Fatal(err)
	}
	if o.BlobID != "" || len(o.PartBlobs) != 3 {
		t.Fatalf("object BlobID %q PartBlobs %q, want parts by reference", o.BlobID, o.PartBlobs)
	}
	after := e.blobIDs(t)
	want := append([]string(nil), o.PartBlobs...)
	sort.Strings(want)
	if fmt.Sprint(after) != fmt.Sprint(want) {
		t.Errorf("blobs after complete %q, want the three used parts %q (no joined copy, unlisted part removed)", after, want)
	}

	check := func(t *testing.T) {
		t.Helper()
		for _, tc := range []struct {
			name       string
			rng        string
			part       int32
			start, end int // of data
		}{
			{name: "whole", start: 0, end: len(data)},
			{name: "first byte", rng: "bytes=0-0", start: 0, end: 1},
			{name: "across parts", rng: fmt.Sprintf("bytes=%d-%d", 5<<20-100, 5<<20+100), start: 5<<20 - 100, end: 5<<20 + 101},
			{name: "across all parts", rng: fmt.Sprintf("bytes=%d-%d", 5<<20-1, 10<<20), start: 5<<20 - 1, end: 10<<20 + 1},
			{name: "inside last", rng: "bytes=10485800-10485900", start: 10485800, end: 10485901},
			{name: "suffix", rng: "bytes=-65537", start: len(data) - 65537, end: len(data)},
			{name: "part 2", part: 2, start: 5 << 20, end: 10 << 20},
			{name: "part 3", part: 3, start: 10 << 20, end: len(data)},
		} {
			in := &s3.GetObjectInput{Bucket: aws.String("ref"), Key: aws.String("obj")}
			if tc.rng != "" {
				in.Range = aws.String(tc.rng)
			}
			if tc.part != 0 {
				in.PartNumber = aws.Int32(tc.part)
			}
			out, err := e.s3.GetObject(ctx, in)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got, err := io.ReadAll(out.Body)
			out.Body.Close()
			if err != nil || !bytes.Equal(got, data[tc.start:tc.end]) {
				t.Errorf("%s: %d bytes, %v; want data[%d:%d]", tc.name, len(got), err, tc.start, tc.end)
			}
			if tc.part != 0 && aws.ToInt32(out.PartsCount) != 3 {
				t.Errorf("%s: parts count %d, want 3", tc.name, aws.ToInt32(out.PartsCount))
			}
		}
		_, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ref"), Key: aws.String("obj"), PartNumber: aws.Int32(4)})
		wantCode(t, "part 4", err, "InvalidPart", 400)
	}
	t.Run("read", check)

	// A copy of the object reads it across parts too.
	if _, err := e.s3.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("ref"), Key: aws.String("copy"), CopySource: aws.String("ref/obj")}); err != nil {
		t.Fatal(err)
	}
	cp, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("ref"), Key: aws.String("copy")})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(cp.Body)
	cp.Body.Close()
	if !bytes.Equal(got, data) {
		t.Errorf("copy: %d bytes, want the object", len(got))
	}

	t.Run("joined layout", func(t *testing.T) {
		// Rewrite the object as the old layout: the parts' streams joined
		// into one blob, BlobID set, no PartBlobs.
		bs, err := blob.New(ctx, filepath.Join(e.dataDir, app.BlobDir), blob.Options{})
		if err != nil {
			t.Fatal(err)
		}
		w, err := bs.Create(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range o.PartBlobs {
			r, err := bs.Open(ctx, blob.ID(id))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(w, r); err != nil {
				t.Fatal(err)
			}
			r.Close()
		}
		joined, err := w.Commit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		legacy := o
		legacy.BlobID, legacy.PartBlobs = string(joined), nil
		if err := e.app.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.PutObject(ctx, legacy)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for _, id := range o.PartBlobs {
			if err := bs.Delete(ctx, blob.ID(id)); err != nil {
				t.Fatal(err)
			}
		}
		check(t)
		// Put the by-reference layout back for the next steps.
		if err := e.app.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteObject(ctx, "ref", "obj")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := bs.Delete(ctx, joined); err != nil {
			t.Fatal(err)
		}
	})

	// Overwrite a by-reference object: its part blobs go.
	up, err = e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	done = uploadParts(t, e.s3, "ref", "obj", up.UploadId, []int32{1, 2}, [][]byte{data[:5<<20], data[5<<20:]})
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("obj"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	o, err = e.app.Store.GetObject(ctx, "ref", "obj")
	if err != nil {
		t.Fatal(err)
	}
	copyObj, err := e.app.Store.GetObject(ctx, "ref", "copy")
	if err != nil {
		t.Fatal(err)
	}
	want = append([]string{copyObj.BlobID}, o.PartBlobs...)
	sort.Strings(want)
	if got := e.blobIDs(t); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("blobs after multipart overwrite %q, want %q", got, want)
	}
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("ref"), Key: aws.String("obj"), Body: bytes.NewReader([]byte("small"))}); err != nil {
		t.Fatal(err)
	}
	if got := e.blobIDs(t); len(got) != 2 {
		t.Errorf("blobs after PutObject overwrite %q, want the two single blobs", got)
	}
	// Delete a by-reference object.
	up, err = e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("gone")})
	if err != nil {
		t.Fatal(err)
	}
	done = uploadParts(t, e.s3, "ref", "gone", up.UploadId, []int32{1, 2}, [][]byte{data[:5<<20], data[5<<20:]})
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("ref"), Key: aws.String("gone"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	if got := e.blobIDs(t); len(got) != 4 {
		t.Errorf("blobs %q, want 4", got)
	}
	if _, err := e.s3.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String("ref"), Delete: &types.Delete{
		Objects: []types.ObjectIdentifier{{Key: aws.String("gone")}, {Key: aws.String("copy")}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("ref"), Key: aws.String("obj")}); err != nil {
		t.Fatal(err)
	}
	if got := e.blobIDs(t); len(got) != 0 {
		t.Errorf("blobs after deleting everything: %q", got)
	}
}

// TestS3MultipartByReferenceReadDuringOverwrite: a GET of a multipart
// object that started before the object was overwritten (and its part
// blobs deleted) still returns the whole old object: the parts it reads
// were opened before the response started.
func TestS3MultipartByReferenceReadDuringOverwrite(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "race")
	data := make([]byte, 15<<20+1)
	rand.Read(data)
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("race"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	done := uploadParts(t, e.s3, "race", "obj", up.UploadId, []int32{1, 2, 3, 4},
		[][]byte{data[:5<<20], data[5<<20 : 10<<20], data[10<<20 : 15<<20], data[15<<20:]})
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("race"), Key: aws.String("obj"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String("obj")})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Body.Close()
	head := make([]byte, 1<<10)
	if _, err := io.ReadFull(out.Body, head); err != nil {
		t.Fatal(err)
	}
	// Overwrite: the old parts' blobs are deleted while the GET is paused
	// in part 1.
	if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("obj"), Body: bytes.NewReader([]byte("new"))}); err != nil {
		t.Fatal(err)
	}
	if got := e.blobIDs(t); len(got) != 1 {
		t.Fatalf("blobs after overwrite: %q, want the new object's only", got)
	}
	rest, err := io.ReadAll(out.Body)
	if err != nil || !bytes.Equal(append(head, rest...), data) {
		t.Fatalf("GET across the overwrite: %d bytes, %v; want the old object", len(head)+len(rest), err)
	}
}
