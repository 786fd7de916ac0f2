package policy

import "testing"

// BenchmarkEvaluate: a key user calls kms:Encrypt; the caller evaluates the
// console default key policy (four statements, one with a Bool condition)
// and two identity policies, one with a StringEquals on an encryption
// context key, as KMS authorization does.
func BenchmarkEvaluate(b *testing.B) {
	keyPolicy := mustParse(b, loadExample(b, "kms-console-key-policy"))
	id1 := mustParse(b, `{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadOnlyKMS","Effect":"Allow","Action":["kms:Describe*","kms:List*","kms:Get*"],"Resource":"*"},
		{"Sid":"UseAppKeys","Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt","kms:GenerateDataKey*"],
		 "Resource":"arn:aws:kms:us-east-1:111122223333:key/*",
		 "Condition":{"StringEquals":{"kms:EncryptionContext:Department":"IT"}}}]}`)
	id2 := mustParse(b, `{"Version":"2012-10-17","Statement":[
		{"Sid":"DenyOtherRegions","Effect":"Deny","Action":"kms:*","NotResource":"arn:aws:kms:us-east-1:*:*"},
		{"Sid":"DenyPlainHTTP","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`)
	r := &Request{Principal: keyUser, Action: "kms:Encrypt", Resource: keyARN,
		Context: kv("kms:EncryptionContext:Department", "IT", "kms:EncryptionContextKeys", "Department",
			"aws:SecureTransport", "true", "kms:CallerAccount", acct, "aws:username", "s1")}
	policies := []*Policy{keyPolicy, id1, id2}
	want := []Decision{Allow, Allow, NotApplicable}
	for i, p := range policies {
		if got := p.Evaluate(r).Decision; got != want[i] {
			b.Fatalf("policy %d: %v, want %v", i, got, want[i])
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for _, p := range policies {
			_ = p.Evaluate(r)
		}
	}
}

// BenchmarkParse parses the console default key policy.
func BenchmarkParse(b *testing.B) {
	doc := loadExample(b, "kms-console-key-policy")
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}
