package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/coffer-kms/coffer/internal/app"
	"github.com/coffer-kms/coffer/internal/blob"
	"github.com/coffer-kms/coffer/internal/store"
)

// TestS3OrphanBlobGC: blobs without metadata are collected (a blob
// committed but never recorded, as after a crash; the blobs of an object
// whose deletion stopped after the metadata transaction), once older than
// the age threshold; recorded objects, multipart objects' part blobs,
// uploads' parts and an upload still being received are kept.
func TestS3OrphanBlobGC(t *testing.T) {
	e := newS3Env(t)
	ctx := context.Background()
	mustBucket(t, e.s3, "gcbucket")
	data := make([]byte, 6<<20)
	rand.Read(data)
	put := func(key string, body []byte) {
		t.Helper()
		if _, err := e.s3.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("gcbucket"), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatal(err)
		}
	}
	put("kept", []byte("kept"))
	put("deleted-halfway", []byte("its blob is left behind"))
	// A multipart object (part blobs by reference) and an open upload.
	up, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("gcbucket"), Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	done := uploadParts(t, e.s3, "gcbucket", "mp", up.UploadId, []int32{1, 2}, [][]byte{data[:5<<20], data[5<<20:]})
	if _, err := e.s3.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String("gcbucket"), Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: done}}); err != nil {
		t.Fatal(err)
	}
	open, err := e.s3.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("gcbucket"), Key: aws.String("open")})
	if err != nil {
		t.Fatal(err)
	}
	uploadParts(t, e.s3, "gcbucket", "open", open.UploadId, []int32{1}, [][]byte{[]byte("part")})
	referenced := e.blobIDs(t) // kept, deleted-halfway, 2 object parts, 1 upload part
	if len(referenced) != 5 {
		t.Fatalf("%d blobs, want 5", len(referenced))
	}

	// A crash between a blob's commit and its metadata: an orphan.
	bs, err := blob.New(ctx, filepath.Join(e.dataDir, app.BlobDir), blob.Options{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := bs.Create(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("never recorded"))
	orphan, err := w.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// A DeleteObject that stopped after its transaction: the metadata is
	// gone, the blob is not.
	o, err := e.app.Store.GetObject(ctx, "gcbucket", "deleted-halfway")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.Store.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		_, err := tx.DeleteObject(ctx, "gcbucket", "deleted-halfway")
		return err
	}); err != nil {
		t.Fatal(err)
	}

	// An upload in flight: its bytes are in a temp file until it commits.
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPut, e.url+"/gcbucket/inflight", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(data))
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	if err := v4.NewSigner().SignHTTP(ctx, devCreds, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	respc := make(chan *http.Response, 1)
	errc := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			errc <- err
			return
		}
		respc <- resp
	}()
	if _, err := pw.Write(data[:1<<20]); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(e.dataDir, app.BlobDir, "tmp")
	for deadline := time.Now().Add(10 * time.Second); ; {
		if es, _ := os.ReadDir(tmp); len(es) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the in-flight upload's temp file did not appear")
		}
		time.Sleep(10 * time.Millisecond)
	}

	// Young orphans are spared.
	st, err := e.app.S3.CollectOrphanBlobs(ctx, time.Hour)
	if err != nil || st.Removed != 0 || st.Temp != 0 || st.Scanned != 6 {
		t.Fatalf("GC with a 1h threshold: %+v %v; want 6 scanned, nothing removed", st, err)
	}
	// Old enough: the two orphans go, the rest stays.
	st, err = e.app.S3.CollectOrphanBlobs(ctx, 0)
	if err != nil || st.Removed != 2 || st.Temp != 0 {
		t.Fatalf("GC: %+v %v; want 2 removed", st, err)
	}
	want := map[string]bool{}
	for _, id := range referenced {
		want[id] = id != o.BlobID
	}
	for _, id := range e.blobIDs(t) {
		if !want[id] {
			t.Errorf("blob %s survived GC (orphan %s, deleted object's %s)", id, orphan, o.BlobID)
		}
		delete(want, id)
	}
	for id, keep := range want {
		if keep {
			t.Errorf("referenced blob %s was collected", id)
		}
	}
	if es, _ := os.ReadDir(tmp); len(es) != 1 {
		t.Errorf("in-flight temp file gone: %d temp files", len(es))
	}

	// The in-flight upload finishes and reads back; everything else too.
	if _, err := pw.Write(data[1<<20:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	select {
	case resp := <-respc:
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("in-flight PUT: %s", resp.Status)
		}
	case err := <-errc:
		t.Fatal(err)
	}
	for key, body := range map[string][]byte{"inflight": data, "mp": data, "kept": []byte("kept")} {
		out, err := e.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("gcbucket"), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		got, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: %d bytes, %v", key, len(got), err)
		}
	}
	// The open upload still completes with its part.
	lp, err := e.s3.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String("gcbucket"), Key: aws.String("open"), UploadId: open.UploadId})
	if err != nil || len(lp.Parts) != 1 {
		t.Fatalf("ListParts after GC: %v %v", lp, err)
	}
	if st, err := e.app.S3.CollectOrphanBlobs(ctx, 0); err != nil || st.Removed != 0 {
		t.Errorf("second GC: %+v %v; want nothing removed", st, err)
	}
}
