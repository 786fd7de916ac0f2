package kms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/coffer-kms/coffer/internal/awsproto"
	"github.com/coffer-kms/coffer/internal/kms"
)

// FuzzMultiRegionOperations sends arbitrary ReplicateKey and
// UpdatePrimaryRegion bodies for an existing multi-Region key: no panic,
// and every failure is an AWS client error, never KMSInternalException.
func FuzzMultiRegionOperations(f *testing.F) {
	s, c := testService(f)
	ctx := context.Background()
	ops := s.Operations()
	key, err := s.CreateKey(ctx, c, &kms.CreateKeyInput{MultiRegion: true})
	if err != nil {
		f.Fatal(err)
	}
	id := key.KeyMetadata.KeyId
	f.Add(true, []byte(`{"KeyId":"`+id+`","ReplicaRegion":"eu-west-1","Description":"d","Tags":[{"TagKey":"a","TagValue":"b"}]}`))
	f.Add(true, []byte(`{"KeyId":"`+id+`","ReplicaRegion":"us-east-1"}`))
	f.Add(true, []byte(`{"KeyId":"`+id+`","ReplicaRegion":"eu-west-2","Policy":"{}"}`))
	f.Add(false, []byte(`{"KeyId":"`+id+`","PrimaryRegion":"eu-west-1"}`))
	f.Add(false, []byte(`{"KeyId":"arn:aws:kms:eu-west-1:111122223333:key/`+id+`","PrimaryRegion":"us-east-1"}`))
	f.Add(false, []byte(`{}`))
	f.Fuzz(func(t *testing.T, replicate bool, body []byte) {
		op := ops["UpdatePrimaryRegion"]
		if replicate {
			op = ops["ReplicateKey"]
		}
		_, err := op(ctx, c, body)
		if err == nil {
			return
		}
		var ae *awsproto.Error
		if !errors.As(err, &ae) {
			t.Fatalf("error %v is not an AWS error", err)
		}
		if ae.Status >= 500 {
			t.Fatalf("server error %s: %s (body %q)", ae.Code, ae.Message, body)
		}
	})
}
