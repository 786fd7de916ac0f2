package policy

import (
	"reflect"
	"testing"
)

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		name, pattern, s string
		fold, want       bool
	}{
		{"exact", "abc", "abc", false, true},
		{"star empty", "a*c", "ac", false, true},
		{"star many", "a*c", "abbbc", false, true},
		{"star backtracks", "a*b*c", "aXbYbZc", false, true},
		{"star all", "*", "", false, true},
		{"question one", "a?c", "abc", false, true},
		{"question not zero", "a?c", "ac", false, false},
		{"question is a rune", "a?c", "aéc", false, true},
		{"case sensitive", "ABC", "abc", false, false},
		{"ignore case", "kms:En*", "KMS:encrypt", true, true},
		{"ignore case unicode", "straße", "STRASSE", true, false},
		{"ignore case unicode simple fold", "é", "É", true, true},
		{"trailing text", "abc", "abcd", false, false},
		{"pattern longer", "abcd", "abc", false, false},
		{"star at end", "arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y", false, true},
		{"backslash literal", `a\b`, `a\b`, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MatchWildcard(tt.pattern, tt.s, tt.fold); got != tt.want {
				t.Fatalf("MatchWildcard(%q, %q, %v) = %v", tt.pattern, tt.s, tt.fold, got)
			}
		})
	}
}

func TestActionMatches(t *testing.T) {
	tests := []struct {
		name     string
		patterns []string
		action   string
		want     bool
	}{
		{"exact", []string{"kms:Encrypt"}, "kms:Encrypt", true},
		{"case-insensitive", []string{"kms:encrypt"}, "KMS:Encrypt", true},
		{"service wildcard", []string{"kms:*"}, "kms:Decrypt", true},
		{"prefix wildcard", []string{"kms:ReEncrypt*"}, "kms:ReEncryptFrom", true},
		{"all", []string{"*"}, "s3:GetObject", true},
		{"other service", []string{"kms:*"}, "s3:GetObject", false},
		{"none of several", []string{"kms:Encrypt", "kms:Decrypt"}, "kms:Sign", false},
		{"empty list", nil, "kms:Sign", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ActionMatches(tt.patterns, tt.action); got != tt.want {
				t.Fatalf("ActionMatches(%q, %q) = %v", tt.patterns, tt.action, got)
			}
		})
	}
}

func TestMatchARN(t *testing.T) {
	tests := []struct {
		name, p, s string
		want       bool
	}{
		{"all parts", "arn:aws:kms:*:111122223333:key/*", keyARN, true},
		{"wildcard stays in its part", "arn:aws:kms:us-*:111122223333:key/*", "arn:aws:kms:us-east-1:9:x:111122223333:key/1", false},
		{"resource keeps colons", "arn:aws:kms:us-east-1:111122223333:alias/a:*", "arn:aws:kms:us-east-1:111122223333:alias/a:b", true},
		{"short pattern is a glob", "*", keyARN, true},
		{"value not an arn", "arn:aws:kms:*:*:*", "alias/x", false},
		{"case-sensitive", "arn:aws:KMS:*:*:*", keyARN, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchARN(tt.p, tt.s, false); got != tt.want {
				t.Fatalf("matchARN(%q, %q) = %v", tt.p, tt.s, got)
			}
		})
	}
}

func TestContext(t *testing.T) {
	c := Context{}
	c.Set("kms:EncryptionContext:AppName", "ExampleApp")
	c.Add("AWS:TagKeys", "a")
	c.Add("aws:tagkeys", "b")
	if v, ok := c.Get("KMS:ENCRYPTIONCONTEXT:APPNAME"); !ok || !reflect.DeepEqual(v, []string{"ExampleApp"}) {
		t.Fatalf("Get = %q %v", v, ok)
	}
	if v, _ := c.Get("aws:TagKeys"); !reflect.DeepEqual(v, []string{"a", "b"}) {
		t.Fatalf("Add = %q", v)
	}
	c.Set("empty")
	if _, ok := c.Get("empty"); ok {
		t.Fatal("a key with no values is present")
	}
}

func TestStrings(t *testing.T) {
	if NotApplicable.String() != "NotApplicable" || Allow.String() != "Allow" || Deny.String() != "Deny" || Decision(9).String() != "Decision(9)" {
		t.Fatal("Decision.String")
	}
	if PrincipalNone.String() != "None" || PrincipalDirect.String() != "Direct" || PrincipalAccount.String() != "Account" || PrincipalMatch(9).String() != "PrincipalMatch(9)" {
		t.Fatal("PrincipalMatch.String")
	}
}

func TestMatchResource(t *testing.T) {
	// IAM User Guide, "IAM JSON policy elements: Resource", wildcards in resource ARNs.
	tests := []struct {
		name, p, s string
		want       bool
	}{
		{"star ending a part expands beyond the colon", "arn:aws:dynamodb:*:table/prod-*", "arn:aws:dynamodb:us-east-1:111122223333:table/prod-x", true},
		{"star inside a part stays in it", "arn:aws:kms:us-*-1:111122223333:key/*", "arn:aws:kms:us-east:9:x-1:111122223333:key/k", false},
		{"star inside a part matches within it", "arn:aws:kms:us-*-1:111122223333:key/*", keyARN, true},
		{"question mark stays in its part", "arn:aws:kms:us-east-?111122223333:key/*", "arn:aws:kms:us-east-:111122223333:key/k", false},
		{"resource part matches slashes (docs example)", "arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1///test///object.jpg", true},
		{"resource part may hold colons", "arn:aws:kms:*:*:alias/a*b", "arn:aws:kms:us-east-1:1:alias/a:x:b", true},
		{"case-sensitive", "arn:aws:kms:us-*-1:*:key/*", "arn:aws:kms:US-east-1:1:key/k", false},
		{"escaped star is literal", `arn:aws:s3:::b/\*`, "arn:aws:s3:::b/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := matchResource(tt.p, tt.s, true); got != tt.want {
				t.Fatalf("matchResource(%q, %q) = %v", tt.p, tt.s, got)
			}
		})
	}
}
