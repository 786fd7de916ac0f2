package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/storetest"
)

func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "coffer.db"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

func TestOpenRejectsBadPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "a.db?mode=ro", "file:a.db"} {
		if s, err := Open(t.Context(), p); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
}

func TestPragmas(t *testing.T) {
	s := openTemp(t)
	check := func(pragma string, want any) {
		t.Helper()
		var gotW, gotR any
		if err := s.wdb.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&gotW); err != nil {
			t.Fatalf("writer %s: %v", pragma, err)
		}
		if err := s.rdb.QueryRowContext(t.Context(), "PRAGMA "+pragma).Scan(&gotR); err != nil {
			t.Fatalf("reader %s: %v", pragma, err)
		}
		if gotW != want || gotR != want {
			t.Errorf("%s: writer %v, reader %v, want %v", pragma, gotW, gotR, want)
		}
	}
	check("journal_mode", "wal")
	check("foreign_keys", int64(1))
	check("synchronous", int64(2)) // FULL
	check("secure_delete", int64(1))
	check("busy_timeout", busyTimeout.Milliseconds())
	var qo int64
	if err := s.rdb.QueryRowContext(t.Context(), "PRAGMA query_only").Scan(&qo); err != nil || qo != 1 {
		t.Errorf("reader query_only = %d, %v", qo, err)
	}
}

// TestRestart checks that committed data survives closing and reopening
// the file, and that reopening does not re-run migrations.
func TestRestart(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coffer.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	ref := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k"}
	created := time.Date(2025, 1, 2, 3, 4, 5, 678_000_000, time.UTC)
	err = s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, store.Key{Ref: ref, CreationDate: created, State: "Enabled", CurrentVersion: 1}); err != nil {
			return err
		}
		return tx.AddMaterial(ctx, store.Material{Ref: ref, Version: 1, MaterialID: "m", Wrapped: []byte{9, 9}})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	k, err := s.GetKey(ctx, ref)
	if err != nil {
		t.Fatalf("GetKey after reopen: %v", err)
	}
	if !k.CreationDate.Equal(created) || k.State != "Enabled" {
		t.Errorf("key after reopen = %+v", k)
	}
	m, err := s.GetMaterial(ctx, ref, 1)
	if err != nil || string(m.Wrapped) != "\x09\x09" {
		t.Errorf("material after reopen = %+v, %v", m, err)
	}
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := s.wdb.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(ms) {
		t.Errorf("schema_migrations rows = %d, %v; want %d", n, err, len(ms))
	}
}

// TestConcurrentOpen opens one new file from many goroutines at once, as
// two processes starting together would: migrations must run exactly once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "coffer.db")
	const n = 8
	var wg sync.WaitGroup
	stores := make([]*Store, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(t.Context(), path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		defer stores[i].Close()
	}
	if t.Failed() {
		return
	}
	// A write through one is visible through another.
	ref := store.KeyRef{Account: "a", Region: "r", KeyID: "k"}
	if err := stores[0].Update(t.Context(), func(ctx context.Context, tx store.Tx) error {
		return tx.CreateKey(ctx, store.Key{Ref: ref})
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := stores[n-1].GetKey(t.Context(), ref); err != nil {
		t.Errorf("GetKey through another Store: %v", err)
	}
}

// TestReadsDoNotWaitForWriter holds the write transaction open and checks
// that a Store-level read still completes.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	s := openTemp(t)
	ctx := t.Context()
	ref := store.KeyRef{Account: "a", Region: "r", KeyID: "k"}
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateKey(ctx, store.Key{Ref: ref, Description: "old"})
	}); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.UpdateKey(ctx, store.Key{Ref: ref, Description: "new"}); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() {
			k, err := s.GetKey(ctx, ref)
			if err == nil && k.Description != "old" {
				t.Errorf("read saw uncommitted %q", k.Description)
			}
			done <- err
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("read blocked behind the writer")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func BenchmarkGetKey(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	ref := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "1234abcd-12ab-34cd-56ef-1234567890ab"}
	k := store.Key{
		Ref: ref, CreationDate: time.Now(), Description: "bench", KeySpec: "SYMMETRIC_DEFAULT",
		KeyUsage: "ENCRYPT_DECRYPT", Origin: "AWS_KMS", KeyManager: "CUSTOMER", State: "Enabled",
		Policy:          `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}`,
		RotationEnabled: true, RotationPeriodDays: 365, NextRotation: time.Now().Add(time.Hour), CurrentVersion: 1,
	}
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error { return tx.CreateKey(ctx, k) }); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.GetKey(ctx, ref); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetKeyParallel(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	ref := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k"}
	if err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		return tx.CreateKey(ctx, store.Key{Ref: ref, State: "Enabled"})
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.GetKey(ctx, ref); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// TestUpgradeFromV1 migrates a database written by schema version 1 and
// checks that its access keys read back with the new fields empty.
func TestUpgradeFromV1(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "coffer.db")
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`,
		ms[0].SQL,
		`INSERT INTO schema_migrations VALUES (1, '` + ms[0].Name + `', 0)`,
		`INSERT INTO access_keys (access_key_id, account, principal_arn, user_id, wrapped_secret, status, created_at)
			VALUES ('AKIAOLD', '111122223333', 'arn:aws:iam::111122223333:root', '111122223333', x'0102', 'Active', 1000000)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	k, err := s.GetAccessKey(ctx, "AKIAOLD")
	if err != nil {
		t.Fatalf("GetAccessKey: %v", err)
	}
	want := store.AccessKey{
		AccessKeyID: "AKIAOLD", Account: "111122223333", PrincipalARN: "arn:aws:iam::111122223333:root",
		UserID: "111122223333", WrappedSecret: []byte{1, 2}, Status: "Active", CreatedAt: time.UnixMicro(1000000).UTC(),
	}
	if !reflect.DeepEqual(k, want) {
		t.Errorf("GetAccessKey after upgrade:\n got  %+v\n want %+v", k, want)
	}
	keys, err := s.ListAccessKeys(ctx, "111122223333", "")
	if err != nil || len(keys) != 1 {
		t.Errorf("ListAccessKeys after upgrade = %+v, %v", keys, err)
	}
}

// BenchmarkHotReads measures the other reads on every request's path.
func BenchmarkHotReads(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	ref := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k"}
	now := time.Now()
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, store.Key{Ref: ref, State: "Enabled", CreationDate: now}); err != nil {
			return err
		}
		if err := tx.AddMaterial(ctx, store.Material{Ref: ref, Version: 1, MaterialID: "m", Wrapped: []byte{1, 2, 3}, CreatedAt: now}); err != nil {
			return err
		}
		if err := tx.CreateAlias(ctx, store.Alias{Account: ref.Account, Region: ref.Region, Name: "alias/a", TargetKeyID: "k", CreatedAt: now, UpdatedAt: now}); err != nil {
			return err
		}
		return tx.PutAccessKey(ctx, store.AccessKey{AccessKeyID: "AKIA", Account: ref.Account, PrincipalARN: "arn", UserID: "u", WrappedSecret: []byte{1}, Status: "Active", CreatedAt: now})
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("AccessKey", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetAccessKey(ctx, "AKIA"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Material", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetMaterial(ctx, ref, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Alias", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.GetAlias(ctx, ref.Account, ref.Region, "alias/a"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkGetObject(b *testing.B) {
	s := openTemp(b)
	ctx := context.Background()
	o := store.Object{
		Bucket: "photos", Key: "2025/03/14/IMG_0001.jpg", BlobID: "0123456789abcdef0123456789abcdef",
		Size: 3 << 20, ETag: `"d41d8cd98f00b204e9800998ecf8427e"`, LastModified: time.Now(),
		ContentType: "image/jpeg", Metadata: `{"x-amz-meta-camera":"x100"}`, Checksum: "CRC32:AAAAAA==",
		Encryption: store.ObjectEncryption{
			Mode: "aws:kms", KMSKeyARN: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
			KMSContext:       `{"aws:s3:arn":"arn:aws:s3:::photos/2025/03/14/IMG_0001.jpg"}`,
			EncryptedDataKey: make([]byte, 184), SealedKey: make([]byte, 60),
		},
	}
	err := s.Update(ctx, func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateBucket(ctx, store.Bucket{Name: "photos", Account: "111122223333", Region: "us-east-1", CreatedAt: time.Now()}); err != nil {
			return err
		}
		_, err := tx.PutObject(ctx, o)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.GetObject(ctx, o.Bucket, o.Key); err != nil {
			b.Fatal(err)
		}
	}
}
