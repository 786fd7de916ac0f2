package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// stmt wraps statement members into a 2012-10-17 policy.
func stmt(members string) string {
	return `{"Version":"2012-10-17","Statement":[{` + members + `}]}`
}

const ok = `"Effect":"Allow","Action":"kms:Encrypt","Resource":"*"`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc, reason string
	}{
		{"not json", `{`, "not valid JSON: unexpected EOF"},
		{"trailing data", `{"Statement":{"Effect":"Allow"}} x`, "not valid JSON: invalid character 'x' looking for beginning of value"},
		{"not an object", `[]`, "the policy must be a JSON object, not a list"},
		{"bad version", `{"Version":"2012-10-18","Statement":{"Effect":"Allow"}}`, `Version must be "2012-10-17" or "2008-10-17", not "2012-10-18"`},
		{"version number", `{"Version":2012,"Statement":{"Effect":"Allow"}}`, `Version must be "2012-10-17" or "2008-10-17", not 2012`},
		{"id not string", `{"Id":1,"Statement":{"Effect":"Allow"}}`, "Id must be a string, not 1"},
		{"unknown top member", `{"Statment":[]}`, `unknown top-level member "Statment"`},
		{"top member case", `{"version":"2012-10-17","Statement":{"Effect":"Allow"}}`, `unknown top-level member "version" (did you mean Version?)`},
		{"no statement", `{"Version":"2012-10-17"}`, "the policy has no Statement"},
		{"null statement", `{"Statement":null}`, "the policy has no Statement"},
		{"empty statement list", `{"Statement":[]}`, "Statement must not be an empty list"},
		{"statement string", `{"Statement":"x"}`, `Statement must be an object or a list of objects, not "x"`},
		{"statement entry not object", `{"Statement":[{"Effect":"Allow"},3]}`, "Statement 2 must be an object, not 3"},
		{"duplicate member", `{"Statement":{"Effect":"Allow","Effect":"Deny"}}`, `not valid JSON: duplicate member "Effect" in an object`},
		{"effect lowercase", `{"Statement":[{"Effect":"Allow"},{"Sid":"x","Effect":"allow"}]}`, `Statement 2 (Sid "x"): Effect must be Allow or Deny, not "allow"`},
		{"effect missing", stmt(`"Action":"kms:Encrypt"`), "Statement 1: Effect is missing"},
		{"sid not string", stmt(`"Sid":1,` + ok), "Statement 1: Sid must be a string, not 1"},
		{"duplicate sid", `{"Statement":[{"Sid":"a",` + ok + `},{"Sid":"a",` + ok + `}]}`, `Statement 2: Sid "a" is already used by statement 1; Sids must be unique`},
		{"unknown statement member", stmt(ok + `,"Actions":"x"`), `Statement 1: unknown member "Actions"`},
		{"statement member case", stmt(ok + `,"condition":{}`), `Statement 1: unknown member "condition" (did you mean Condition?)`},
		{"action and notaction", stmt(ok + `,"NotAction":"kms:Decrypt"`), "Statement 1: a statement cannot have both Action and NotAction"},
		{"resource and notresource", stmt(ok + `,"NotResource":"*"`), "Statement 1: a statement cannot have both Resource and NotResource"},
		{"principal and notprincipal", stmt(ok + `,"Principal":"*","NotPrincipal":"*"`), "Statement 1: a statement cannot have both Principal and NotPrincipal"},
		{"action without service", stmt(`"Effect":"Allow","Action":"kms","Resource":"*"`), `Statement 1: Action "kms" must be service:action (for example kms:Encrypt) or *`},
		{"action empty part", stmt(`"Effect":"Allow","NotAction":"kms:","Resource":"*"`), `Statement 1: NotAction "kms:" must be service:action (for example kms:Encrypt) or *`},
		{"action two colons", stmt(`"Effect":"Allow","Action":"kms:a:b","Resource":"*"`), `Statement 1: Action "kms:a:b" must be service:action (for example kms:Encrypt) or *`},
		{"action space", stmt(`"Effect":"Allow","Action":"kms:En crypt","Resource":"*"`), `Statement 1: Action "kms:En crypt" must not contain white space`},
		{"action number", stmt(`"Effect":"Allow","Action":5,"Resource":"*"`), "Statement 1: Action must be a string or a list of strings, not 5"},
		{"action list entry", stmt(`"Effect":"Allow","Action":["kms:Encrypt",true],"Resource":"*"`), "Statement 1: Action entries must be strings, not true"},
		{"action empty list", stmt(`"Effect":"Allow","Action":[],"Resource":"*"`), "Statement 1: Action must not be an empty list"},
		{"resource not arn", stmt(`"Effect":"Allow","Action":"kms:Encrypt","Resource":"key/1"`), `Statement 1: Resource "key/1" must be "*" or an ARN (arn:partition:service:region:account:resource)`},
		{"unterminated variable", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username"`), `Statement 1: Resource "arn:aws:s3:::b/${aws:username": unterminated policy variable (missing })`},
		{"empty variable", stmt(`"Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::b/${}"`), `Statement 1: NotResource "arn:aws:s3:::b/${}": empty policy variable ${}`},
		{"unquoted default", stmt(`"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username, x}"`), `Statement 1: Resource "arn:aws:s3:::b/${aws:username, x}": a policy variable default must be in single quotes: ${key, 'default'}`},
		{"principal string", stmt(ok + `,"Principal":"alice"`), `Statement 1: Principal must be "*" or an object such as {"AWS": ...}, not "alice"`},
		{"principal number", stmt(ok + `,"NotPrincipal":1`), `Statement 1: NotPrincipal must be "*" or an object such as {"AWS": ...}, not 1`},
		{"principal empty object", stmt(ok + `,"Principal":{}`), "Statement 1: Principal must name at least one principal"},
		{"principal unknown type", stmt(ok + `,"Principal":{"aws":"*"}`), `Statement 1: Principal has unknown principal type "aws" (did you mean AWS?); want AWS, Service, Federated or CanonicalUser`},
		{"principal bad aws", stmt(ok + `,"Principal":{"AWS":"alice"}`), `Statement 1: Principal AWS "alice" must be "*", a 12-digit account id or an ARN`},
		{"principal short account", stmt(ok + `,"Principal":{"AWS":"11112222333"}`), `Statement 1: Principal AWS "11112222333" must be "*", a 12-digit account id or an ARN`},
		{"principal bad arn", stmt(ok + `,"Principal":{"AWS":"arn:aws"}`), `Statement 1: Principal AWS "arn:aws" is not a valid ARN`},
		{"principal root bad account", stmt(ok + `,"Principal":{"AWS":"arn:aws:iam::123:root"}`), `Statement 1: Principal AWS "arn:aws:iam::123:root" names an account root without a 12-digit account id`},
		{"principal empty service", stmt(ok + `,"Principal":{"Service":""}`), `Statement 1: Principal Service "" is not a principal`},
		{"principal list of numbers", stmt(ok + `,"Principal":{"AWS":[1]}`), "Statement 1: Principal AWS entries must be strings, not 1"},
		{"condition not object", stmt(ok + `,"Condition":[]`), "Statement 1: Condition must be an object, not a list"},
		{"unknown operator", stmt(ok + `,"Condition":{"StringEqualz":{"aws:username":"a"}}`), "Statement 1: unknown condition operator StringEqualz"},
		{"operator case", stmt(ok + `,"Condition":{"stringEquals":{"aws:username":"a"}}`), "Statement 1: unknown condition operator stringEquals (operator names are case-sensitive: did you mean StringEquals?)"},
		{"unknown qualifier", stmt(ok + `,"Condition":{"ForSomeValues:StringEquals":{"aws:username":"a"}}`), "Statement 1: unknown condition operator ForSomeValues:StringEquals (the only qualifiers are ForAnyValue: and ForAllValues:)"},
		{"null ifexists", stmt(ok + `,"Condition":{"NullIfExists":{"aws:username":"true"}}`), "Statement 1: condition operator Null cannot take IfExists"},
		{"operator value not object", stmt(ok + `,"Condition":{"StringEquals":"a"}`), `Statement 1: Condition StringEquals must be an object of condition keys, not "a"`},
		{"operator no keys", stmt(ok + `,"Condition":{"StringEquals":{}}`), "Statement 1: Condition StringEquals has no condition keys"},
		{"condition key empty", stmt(ok + `,"Condition":{"StringEquals":{"":"a"}}`), `Statement 1: Condition StringEquals has an invalid condition key ""`},
		{"condition empty values", stmt(ok + `,"Condition":{"StringEquals":{"aws:username":[]}}`), "Statement 1: Condition StringEquals key aws:username has an empty list of values"},
		{"condition value object", stmt(ok + `,"Condition":{"StringEquals":{"aws:username":{}}}`), "Statement 1: Condition StringEquals key aws:username values must be strings, numbers or booleans, not an object"},
		{"condition value null", stmt(ok + `,"Condition":{"StringEquals":{"aws:username":[null]}}`), "Statement 1: Condition StringEquals key aws:username values must be strings, numbers or booleans, not null"},
		{"numeric not number", stmt(ok + `,"Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}`), `Statement 1: Condition NumericLessThan value "ten" for key s3:max-keys is not a number`},
		{"numeric nan", stmt(ok + `,"Condition":{"NumericEquals":{"s3:max-keys":"NaN"}}`), `Statement 1: Condition NumericEquals value "NaN" for key s3:max-keys is not a number`},
		{"date bad", stmt(ok + `,"Condition":{"DateLessThan":{"aws:CurrentTime":"yesterday"}}`), `Statement 1: Condition DateLessThan value "yesterday" for key aws:CurrentTime is not an ISO 8601 date or epoch seconds`},
		{"bool bad", stmt(ok + `,"Condition":{"Bool":{"aws:SecureTransport":"yes"}}`), `Statement 1: Condition Bool value "yes" for key aws:SecureTransport must be true or false`},
		{"null bad", stmt(ok + `,"Condition":{"Null":{"aws:TokenIssueTime":"maybe"}}`), `Statement 1: Condition Null value "maybe" for key aws:TokenIssueTime must be true or false`},
		{"binary bad", stmt(ok + `,"Condition":{"BinaryEquals":{"key":"%%%"}}`), `Statement 1: Condition BinaryEquals value "%%%" for key key is not base64`},
		{"ip bad", stmt(ok + `,"Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}`), `Statement 1: Condition IpAddress value "10.0.0.0/33" for key aws:SourceIp is not an IP address or CIDR block`},
		{"ip not ip", stmt(ok + `,"Condition":{"NotIpAddress":{"aws:SourceIp":"example.com"}}`), `Statement 1: Condition NotIpAddress value "example.com" for key aws:SourceIp is not an IP address or CIDR block`},
		{"condition variable unterminated", stmt(ok + `,"Condition":{"StringEquals":{"aws:username":"${aws:userid"}}`), `Statement 1: Condition StringEquals value "${aws:userid" for key aws:username unterminated policy variable (missing })`},
		{"too deep", `{"Statement":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, "not valid JSON: nested too deeply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(tt.doc)
			if err == nil {
				t.Fatalf("Parse accepted %s: %+v", tt.doc, p)
			}
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("errors.Is(err, ErrMalformed) = false for %v", err)
			}
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("not a *MalformedError: %T", err)
			}
			if me.Reason != tt.reason {
				t.Fatalf("Reason =\n  %s\nwant\n  %s", me.Reason, tt.reason)
			}
			if got := err.Error(); got != "malformed policy: "+tt.reason {
				t.Fatalf("Error() = %q", got)
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(t *testing.T, p *Policy)
	}{
		{"statement as object", `{"Version":"2012-10-17","Statement":{` + ok + `}}`, func(t *testing.T, p *Policy) {
			if len(p.Statements) != 1 || p.Statements[0].Effect != Allow {
				t.Fatalf("%+v", p.Statements)
			}
		}},
		{"statement as list", `{"Statement":[{` + ok + `},{"Effect":"Deny","Action":"kms:*","Resource":"*"}]}`, func(t *testing.T, p *Policy) {
			if len(p.Statements) != 2 || p.Statements[1].Effect != Deny || p.Statements[1].Label() != "#2" {
				t.Fatalf("%+v", p.Statements)
			}
		}},
		{"absent version is 2008", `{"Statement":{` + ok + `}}`, func(t *testing.T, p *Policy) {
			if p.Version != "" || p.vars {
				t.Fatalf("Version %q vars %v", p.Version, p.vars)
			}
		}},
		{"2008 keeps ${ literal", `{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username"}}`, func(t *testing.T, p *Policy) {
			if !p.Statements[0].resources[0].static() {
				t.Fatal("2008 resource compiled as a template")
			}
		}},
		// KMS Developer Guide, key-policy-overview: "A statement missing Action or Resource is accepted but has no effect."
		{"no action nor resource", `{"Statement":{"Effect":"Allow","Principal":"*"}}`, func(t *testing.T, p *Policy) {
			s := p.Statements[0]
			if s.Action != nil || s.NotAction != nil || s.Resource != nil || s.NotResource != nil {
				t.Fatalf("%+v", s)
			}
		}},
		{"principal star string", stmt(ok + `,"Principal":"*"`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; !pr.Wildcard || pr.AWS != nil {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal aws star", stmt(ok + `,"Principal":{"AWS":"*"}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; pr.Wildcard || !reflect.DeepEqual(pr.AWS, []string{"*"}) || !pr.anyAWS {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal aws account id", stmt(ok + `,"Principal":{"AWS":"111122223333"}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; !reflect.DeepEqual(pr.accounts, []string{"111122223333"}) {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal aws list", stmt(ok + `,"Principal":{"AWS":["arn:aws:iam::111122223333:root","arn:aws:iam::111122223333:user/alice","arn:aws:iam::111122223333:role/*"]}`), func(t *testing.T, p *Policy) {
			pr := p.Statements[0].Principal
			if !reflect.DeepEqual(pr.accounts, []string{"111122223333"}) || !reflect.DeepEqual(pr.arns, []string{"arn:aws:iam::111122223333:user/alice"}) ||
				!reflect.DeepEqual(pr.arnPatterns, []string{"arn:aws:iam::111122223333:role/*"}) || len(pr.AWS) != 3 {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal service list", stmt(ok + `,"Principal":{"Service":["s3.amazonaws.com","cloudtrail.amazonaws.com"]}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; !reflect.DeepEqual(pr.Service, []string{"s3.amazonaws.com", "cloudtrail.amazonaws.com"}) {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal federated", stmt(ok + `,"Principal":{"Federated":"cognito-identity.amazonaws.com"}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; !reflect.DeepEqual(pr.Federated, []string{"cognito-identity.amazonaws.com"}) {
				t.Fatalf("%+v", pr)
			}
		}},
		{"principal canonical user", stmt(ok + `,"Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].Principal; len(pr.CanonicalUser) != 1 {
				t.Fatalf("%+v", pr)
			}
		}},
		{"notprincipal mixed", stmt(ok + `,"NotPrincipal":{"AWS":"111122223333","Service":"s3.amazonaws.com"}`), func(t *testing.T, p *Policy) {
			if pr := p.Statements[0].NotPrincipal; pr == nil || len(pr.AWS) != 1 || len(pr.Service) != 1 {
				t.Fatalf("%+v", pr)
			}
		}},
		{"condition values of every JSON type", stmt(ok + `,"Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true},"StringEquals":{"k":["a",1.50,false]}}`), func(t *testing.T, p *Policy) {
			c := p.Statements[0].Condition
			want := []Condition{
				{Operator: Operator{Name: "NumericLessThan"}, Key: "s3:max-keys", Values: []string{"10"}},
				{Operator: Operator{Name: "Bool"}, Key: "aws:SecureTransport", Values: []string{"true"}},
				{Operator: Operator{Name: "StringEquals"}, Key: "k", Values: []string{"a", "1.50", "false"}},
			}
			if len(c) != len(want) {
				t.Fatalf("%+v", c)
			}
			for i := range want {
				if c[i].Operator.Name != want[i].Operator.Name || c[i].Key != want[i].Key || !reflect.DeepEqual(c[i].Values, want[i].Values) {
					t.Fatalf("condition %d = %+v, want %+v", i, c[i], want[i])
				}
			}
		}},
		{"qualified operators", stmt(ok + `,"Condition":{"ForAllValues:StringLikeIfExists":{"k":"a*"},"ForAnyValue:ArnNotLike":{"aws:SourceArn":"arn:*"}}`), func(t *testing.T, p *Policy) {
			c := p.Statements[0].Condition
			if c[0].Operator.Set != ForAllValues || !c[0].Operator.IfExists || c[0].Operator.Name != "StringLike" ||
				c[1].Operator.Set != ForAnyValue || c[1].Operator.IfExists || c[1].Operator.String() != "ForAnyValue:ArnNotLike" {
				t.Fatalf("%+v", c)
			}
		}},
		{"dates in every form", stmt(ok + `,"Condition":{"DateLessThan":{"aws:CurrentTime":["2020-06-30T23:59:59Z","2020-06-30","2020-06-30T23:59:59.5+02:00","1593561599","20200630T235959Z"]}}`), nil},
		{"ip forms", stmt(ok + `,"Condition":{"IpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.7","2001:DB8:1234:5678::/64","2001:db8::1"]}}`), nil},
		{"variable with default", stmt(`"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username, 'it''s'}/${*}"`), func(t *testing.T, p *Policy) {
			parts := p.Statements[0].resources[0].parts
			want := []tpart{{kind: tLit, text: "arn:aws:s3:::b/"}, {kind: tVar, key: "aws:username", text: "it's", hasDef: true}, {kind: tLit, text: "/"}, {kind: tEsc, text: "*"}}
			if !reflect.DeepEqual(parts, want) {
				t.Fatalf("parts = %+v", parts)
			}
		}},
		{"empty condition block", stmt(ok + `,"Condition":{}`), nil},
		{"empty sid is no sid", `{"Statement":[{"Sid":"",` + ok + `},{"Sid":"",` + ok + `}]}`, func(t *testing.T, p *Policy) {
			if p.Statements[0].Label() != "#1" || p.Statements[1].Label() != "#2" {
				t.Fatal(p.Statements[0].Label(), p.Statements[1].Label())
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustParse(t, tt.doc)
			if tt.check != nil {
				tt.check(t, p)
			}
			roundTrip(t, p)
		})
	}
}

// roundTrip checks that the canonical form parses back to the same policy.
func roundTrip(t testing.TB, p *Policy) {
	t.Helper()
	b, err := p.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	q, err := Parse(string(b))
	if err != nil {
		t.Fatalf("re-parse of %s: %v", b, err)
	}
	if !reflect.DeepEqual(p, q) {
		t.Fatalf("round trip differs:\nfirst  %#v\nsecond %#v\njson %s", p, q, b)
	}
	if c := q.String(); c != string(b) {
		t.Fatalf("canonical form not stable:\n%s\n%s", b, c)
	}
}

// TestParseAWSExamples parses every published example in testdata/aws (each
// file cites its source) and checks its round trip.
func TestParseAWSExamples(t *testing.T) {
	for name, doc := range examples(t) {
		t.Run(name, func(t *testing.T) {
			p := mustParse(t, doc)
			roundTrip(t, p)
		})
	}
}

func TestParseConsolePolicyStructure(t *testing.T) {
	p := mustParse(t, loadExample(t, "kms-console-key-policy"))
	if p.ID != "key-consolepolicy-3" || p.Version != Version2012 || len(p.Statements) != 4 {
		t.Fatalf("%+v", p)
	}
	s := p.Statements[3]
	if s.Sid != "Allow attachment of persistent resources" || s.Effect != Allow ||
		!reflect.DeepEqual(s.Principal.AWS, []string{"arn:aws:iam::111122223333:role/ExampleUserRole"}) ||
		!reflect.DeepEqual(s.Action, []string{"kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"}) ||
		!reflect.DeepEqual(s.Resource, []string{"*"}) || len(s.Condition) != 1 ||
		s.Condition[0].Operator.String() != "Bool" || s.Condition[0].Key != "kms:GrantIsForAWSResource" ||
		!reflect.DeepEqual(s.Condition[0].Values, []string{"true"}) {
		t.Fatalf("%+v", s)
	}
}

func TestMarshalCanonical(t *testing.T) {
	p := mustParse(t, `{"Id":"x","Version":"2012-10-17","Statement":{"Condition":{"StringEquals":{"a":"1","b":["2","3"]},"Bool":{"c":true}},"Resource":"*","Action":["kms:Encrypt"],"Principal":{"Service":"s3.amazonaws.com","AWS":"111122223333"},"Effect":"Deny","Sid":"s"}}`)
	want := `{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"s","Effect":"Deny","Principal":{"AWS":"111122223333","Service":"s3.amazonaws.com"},"Action":"kms:Encrypt","Resource":"*","Condition":{"StringEquals":{"a":"1","b":["2","3"]},"Bool":{"c":"true"}}}]}`
	if got := p.String(); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func TestParseOperatorTable(t *testing.T) {
	// Every operator of the IAM User Guide's "Condition operators" page, with
	// IfExists (except Null) and both set qualifiers.
	for name := range operators {
		for _, set := range []string{"", "ForAnyValue:", "ForAllValues:"} {
			for _, ifx := range []string{"", "IfExists"} {
				s := set + name + ifx
				op, err := ParseOperator(s)
				if name == "Null" && ifx != "" {
					if err == nil {
						t.Errorf("ParseOperator(%q) accepted", s)
					}
					continue
				}
				if err != nil || op.String() != s {
					t.Errorf("ParseOperator(%q) = %v, %v", s, op, err)
				}
			}
		}
	}
	if len(operators) != 27 {
		t.Fatalf("%d operators, want 27", len(operators))
	}
}
