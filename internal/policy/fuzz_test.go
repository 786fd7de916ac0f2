package policy

import (
	"errors"
	"reflect"
	"testing"
)

// FuzzParse: Parse never panics, every error is a *MalformedError, and an
// accepted document's canonical form parses back to the same policy (and
// is itself a fixed point). Evaluate on accepted documents must not panic.
func FuzzParse(f *testing.F) {
	for _, doc := range examples(f) {
		f.Add(doc)
	}
	for _, doc := range []string{
		stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'it''s'}/${*}${?}${$}"`),
		stmt(ok + `,"Condition":{"ForAllValues:DateLessThanIfExists":{"aws:CurrentTime":["2020-01-01",1593561599]},"Null":{"k":false}}`),
		stmt(ok + `,"NotPrincipal":{"AWS":["111122223333","arn:aws:iam::*:user/a?"],"Service":"s3.amazonaws.com"}`),
		`{"Statement":{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:iam::*:user/${aws:username}"}}`,
	} {
		f.Add(doc)
	}
	req := &Request{Principal: keyUser, Action: "kms:Encrypt", Resource: keyARN,
		Context: kv("aws:username", "alice", "k", "v", "aws:CurrentTime", "2020-01-01T00:00:00Z", "aws:SourceIp", "10.0.0.1")}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := Parse(doc)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) || !errors.Is(err, ErrMalformed) || me.Reason == "" {
				t.Fatalf("error %v (%T) is not a *MalformedError", err, err)
			}
			return
		}
		canon := p.String()
		q, err := Parse(canon)
		if err != nil {
			t.Fatalf("canonical form rejected: %v\n%s\nfrom %q", err, canon, doc)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("round trip differs\n%s\nfrom %q", canon, doc)
		}
		if q.String() != canon {
			t.Fatalf("canonical form not a fixed point:\n%s\n%s", canon, q.String())
		}
		if !reflect.DeepEqual(p.Evaluate(req), q.Evaluate(req)) {
			t.Fatal("evaluation differs after round trip")
		}
	})
}
