package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/coffer-kms/coffer/internal/store"
	"github.com/coffer-kms/coffer/internal/store/storetest"
)

// testDSN is the database the tests use; COFFER_TEST_POSTGRES overrides it.
func testDSN() string {
	if dsn := os.Getenv("COFFER_TEST_POSTGRES"); dsn != "" {
		return dsn
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// needPostgres fails the test when PostgreSQL is unreachable, unless
// COFFER_SKIP_POSTGRES=1, in which case it skips.
func needPostgres(t testing.TB) {
	t.Helper()
	if os.Getenv("COFFER_SKIP_POSTGRES") == "1" {
		t.Skip("COFFER_SKIP_POSTGRES=1")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Fatalf("PostgreSQL unreachable at %s (set COFFER_SKIP_POSTGRES=1 to skip): %v", testDSN(), err)
	}
	conn.Close(ctx)
}

// newSchema returns a fresh schema name, dropped with its contents at
// cleanup.
func newSchema(t testing.TB) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "coffer_test_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, testDSN())
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openSchema opens a Store on schema, closed at cleanup (before the
// schema is dropped).
func openSchema(t testing.TB, schema string) *Store {
	t.Helper()
	s, err := OpenOptions(context.Background(), testDSN(), Options{Schema: schema})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openTemp(t testing.TB) *Store {
	t.Helper()
	needPostgres(t)
	return openSchema(t, newSchema(t))
}

func TestConformance(t *testing.T) {
	needPostgres(t)
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// TestWatchAcrossNodes checks that a change committed through one Store
// reaches the Watch callbacks of another Store on the same database.
func TestWatchAcrossNodes(t *testing.T) {
	needPostgres(t)
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	other := openTemp(t) // another schema: must not hear a's changes

	got := make(chan store.Change, 100)
	defer b.Watch(func(c store.Change) { got <- c })()
	stray := make(chan store.Change, 100)
	defer other.Watch(func(c store.Change) { stray <- c })()

	ref := store.KeyRef{Account: "111122223333", Region: "us-east-1", KeyID: "k"}
	if err := a.Update(t.Context(), func(ctx context.Context, tx store.Tx) error {
		if err := tx.CreateKey(ctx, store.Key{Ref: ref}); err != nil {
			return err
		}
		return tx.CreateAlias(ctx, store.Alias{Account: ref.Account, Region: ref.Region, Name: "alias/k", TargetKeyID: "k"})
	}); err != nil {
		t.Fatal(err)
	}
	want := map[store.Change]bool{
		{Kind: store.ChangeKey, Account: ref.Account, Region: ref.Region, ID: "k"}:         true,
		{Kind: store.ChangeAlias, Account: ref.Account, Region: ref.Region, ID: "alias/k"}: true,
	}
	timeout := time.After(10 * time.Second)
	for len(want) > 0 {
		select {
		case c := <-got:
			delete(want, c)
		case <-timeout:
			t.Fatalf("changes not delivered to the other node: %v", want)
		}
	}
	// The other node sees the data, too.
	if _, err := b.GetKey(t.Context(), ref); err != nil {
		t.Errorf("GetKey on the other node: %v", err)
	}
	select {
	case c := <-stray:
		t.Errorf("a Store on another schema heard %+v", c)
	case <-time.After(200 * time.Millisecond):
	}
}

// TestListenerReconnects kills the listener's backend and checks that
// changes are delivered again afterwards.
func TestListenerReconnects(t *testing.T) {
	needPostgres(t)
	schema := newSchema(t)
	a, b := openSchema(t, schema), openSchema(t, schema)
	got := make(chan store.Change, 100)
	defer b.Watch(func(c store.Change) { got <- c })()

	conn, err := pgx.Connect(t.Context(), testDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// Terminate every backend listening on our channel: b's listener (and a's).
	if _, err := conn.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE query = 'LISTEN '||$1 AND pid <> pg_backend_pid()`, pgx.Identifier{Channel}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for i := 0; ; i++ {
		id := "k" + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i)})
		if err := a.Update(t.Context(), func(ctx context.Context, tx store.Tx) error {
			return tx.CreateKey(ctx, store.Key{Ref: store.KeyRef{Account: "a", Region: "r", KeyID: id}})
		}); err != nil {
			t.Fatal(err)
		}
		select {
		case <-got:
			return
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("no change delivered after the listener's connection was killed")
		}
	}
}

// TestConcurrentOpen opens one fresh schema from many goroutines at once:
// the advisory lock must make the migration run once.
func TestConcurrentOpen(t *testing.T) {
	needPostgres(t)
	schema := newSchema(t)
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := OpenOptions(t.Context(), testDSN(), Options{Schema: schema})
			errs[i] = err
			if err == nil {
				s.Close()
			}
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
		}
	}
	s := openSchema(t, schema)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var count int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM schema_migrations").Scan(&count); err != nil || count != len(ms) {
		t.Errorf("schema_migrations rows = %d, %v; want %d", count, err, len(ms))
	}
}

// TestConflictExhausted checks that Update gives up with ErrConflict.
func TestConflictExhausted(t *testing.T) {
	needPostgres(t)
	schema := newSchema(t)
	s, err := OpenOptions(t.Context(), testDSN(), Options{Schema: schema, MaxAttempts: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ref := store.KeyRef{Account: "a", Region: "r", KeyID: "k"}
	if err := s.Update(t.Context(), func(ctx context.Context, tx store.Tx) error {
		return tx.CreateKey(ctx, store.Key{Ref: ref})
	}); err != nil {
		t.Fatal(err)
	}
	calls := 0
	err = s.Update(t.Context(), func(ctx context.Context, tx store.Tx) error {
		calls++
		if _, err := tx.GetKey(ctx, ref); err != nil {
			return err
		}
		// A concurrent writer commits a change to the row this tx read.
		if err := s.Update(context.WithoutCancel(ctx), func(ctx context.Context, tx2 store.Tx) error {
			return tx2.UpdateKey(ctx, store.Key{Ref: ref, Description: "other"})
		}); err != nil {
			return err
		}
		return tx.UpdateKey(ctx, store.Key{Ref: ref, Description: "mine"})
	})
	if !errors.Is(err, store.ErrConflict) || calls != 2 {
		t.Errorf("Update = %v after %d calls, want ErrConflict after 2", err, calls)
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
	for b.Loop() {
		if _, err := s.GetKey(ctx, ref); err != nil {
			b.Fatal(err)
		}
	}
}

// TestUpgradeFromV1 migrates a schema written by schema version 1 and
// checks that its access keys read back with the new fields empty.
func TestUpgradeFromV1(t *testing.T) {
	needPostgres(t)
	ctx := t.Context()
	schema := newSchema(t)
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, testDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for _, q := range []string{
		`CREATE SCHEMA ` + pgx.Identifier{schema}.Sanitize(),
		`SET search_path TO ` + pgx.Identifier{schema}.Sanitize(),
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
		ms[0].SQL,
		`INSERT INTO schema_migrations (version, name) VALUES (1, '` + ms[0].Name + `')`,
		`INSERT INTO access_keys (access_key_id, account, principal_arn, user_id, wrapped_secret, status, created_at)
			VALUES ('AKIAOLD', '111122223333', 'arn:aws:iam::111122223333:root', '111122223333', '\x0102', 'Active', to_timestamp(1))`,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	s := openSchema(t, schema)
	k, err := s.GetAccessKey(ctx, "AKIAOLD")
	if err != nil {
		t.Fatalf("GetAccessKey: %v", err)
	}
	want := store.AccessKey{
		AccessKeyID: "AKIAOLD", Account: "111122223333", PrincipalARN: "arn:aws:iam::111122223333:root",
		UserID: "111122223333", WrappedSecret: []byte{1, 2}, Status: "Active", CreatedAt: time.Unix(1, 0).UTC(),
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
