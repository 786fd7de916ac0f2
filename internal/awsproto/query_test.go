package awsproto

import (
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseQuery(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Query
		wantErr string
	}{
		{name: "empty", in: "", want: Query{}},
		{name: "simple", in: "Action=CreateUser&Version=2010-05-08&UserName=jack",
			want: Query{"Action": "CreateUser", "Version": "2010-05-08", "UserName": "jack"}},
		{name: "escapes and plus", in: "PolicyDocument=%7B%22a%22%3A+1%7D&Path=%2Fdev%2F",
			want: Query{"PolicyDocument": `{"a": 1}`, "Path": "/dev/"}},
		{name: "empty segments", in: "&a=1&&b=&", want: Query{"a": "1", "b": ""}},
		{name: "no equals", in: "Tags", want: Query{"Tags": ""}},
		{name: "bad escape", in: "a=%zz", wantErr: CodeMalformedQueryString},
		{name: "short escape", in: "a=%4", wantErr: CodeMalformedQueryString},
		{name: "duplicate", in: "a=1&a=2", wantErr: CodeMalformedQueryString},
		{name: "empty name", in: "=1", wantErr: CodeMalformedQueryString},
		{name: "not utf-8", in: "a=%ff", wantErr: CodeMalformedQueryString},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseQuery(tt.in)
			if tt.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || e.Code != tt.wantErr || e.Status != 400 {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

type queryTag struct {
	Key   string
	Value string
}

type querySample struct {
	UserName string
	Path     *string
	MaxItems *int32
	Force    bool
	Tags     []queryTag
	Names    []string `query:"PolicyNames"`
	Skip     string   `query:"-"`
	Count    int64
}

func TestDecodeQuery(t *testing.T) {
	q, err := ParseQuery("UserName=jack&MaxItems=10&Force=true&Tags.member.2.Key=b&Tags.member.1.Key=a&Tags.member.1.Value=1&PolicyNames.member.1=p&Skip=x&Count=-3")
	if err != nil {
		t.Fatal(err)
	}
	var s querySample
	if err := DecodeQuery(q, &s); err != nil {
		t.Fatal(err)
	}
	if s.UserName != "jack" || s.Path != nil || s.MaxItems == nil || *s.MaxItems != 10 || !s.Force || s.Skip != "" || s.Count != -3 {
		t.Fatalf("scalars: %+v", s)
	}
	if !reflect.DeepEqual(s.Tags, []queryTag{{"a", "1"}, {"b", ""}}) || !reflect.DeepEqual(s.Names, []string{"p"}) {
		t.Fatalf("lists: %+v %+v", s.Tags, s.Names)
	}

	var empty querySample
	if err := DecodeQuery(Query{"Tags": ""}, &empty); err != nil || empty.Tags == nil || len(empty.Tags) != 0 || empty.Names != nil {
		t.Fatalf("empty list: %v %#v %#v", err, empty.Tags, empty.Names)
	}

	for _, bad := range []string{"MaxItems=x", "MaxItems=99999999999", "Force=yes", "Tags.member.2.Key=a", "Tags.member.0.Key=a",
		"Tags.member.01.Key=a", "Tags.member.x.Key=a", "PolicyNames.member.1.Sub=a"} {
		q, err := ParseQuery(bad)
		if err != nil {
			t.Fatal(err)
		}
		var s querySample
		var e *Error
		if err := DecodeQuery(q, &s); !errors.As(err, &e) || e.Code != CodeValidationError || e.Status != 400 {
			t.Errorf("%s: err = %v, want ValidationError", bad, err)
		}
	}
}

func TestQueryEncodeRoundTrip(t *testing.T) {
	q := Query{"Action": "PutUserPolicy", "PolicyDocument": "{\"Statement\": [\"*\"]}\n", "é": "ü&=+%"}
	got, err := ParseQuery(q.Encode())
	if err != nil || !reflect.DeepEqual(got, q) {
		t.Fatalf("round trip: %v %v", got, err)
	}
}

type listResult struct {
	Users       List[queryUser]
	IsTruncated bool
	Marker      string `xml:",omitempty"`
}

type queryUser struct {
	UserName   string
	CreateDate QueryTime
	Expiration *QueryTime `xml:",omitempty"`
}

func TestWriteQueryResponse(t *testing.T) {
	rec := httptest.NewRecorder()
	at := time.Date(2024, 5, 6, 7, 8, 9, 500, time.FixedZone("x", 3600))
	res := listResult{Users: List[queryUser]{{UserName: "a<b", CreateDate: QueryTime(at)}}}
	if err := WriteQueryResponse(rec, "https://iam.amazonaws.com/doc/2010-05-08/", "ListUsers", "req-1", &res); err != nil {
		t.Fatal(err)
	}
	want := `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><Users><member><UserName>a&lt;b</UserName><CreateDate>2024-05-06T06:08:09Z</CreateDate></member></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListUsersResponse>`
	if rec.Body.String() != want || rec.Code != 200 || rec.Header().Get("Content-Type") != "text/xml" {
		t.Fatalf("got %d %q\nwant %q", rec.Code, rec.Body.String(), want)
	}

	rec = httptest.NewRecorder()
	_ = WriteQueryResponse(rec, "ns", "ListUsers", "r", &listResult{})
	if !strings.Contains(rec.Body.String(), "<Users></Users>") {
		t.Fatalf("empty list not written: %s", rec.Body.String())
	}
	rec = httptest.NewRecorder()
	_ = WriteQueryResponse(rec, "ns", "DeleteUser", "r", nil)
	if rec.Body.String() != `<DeleteUserResponse xmlns="ns"><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>` {
		t.Fatalf("no result: %s", rec.Body.String())
	}
}

func TestWriteQueryError(t *testing.T) {
	for _, tt := range []struct {
		err      *Error
		wantType string
	}{
		{Errorf("NoSuchEntity", 404, "The queryUser with name jack cannot be found."), "Sender"},
		{Errorf(CodeInternalFailure, 500, "oops"), "Receiver"},
	} {
		rec := httptest.NewRecorder()
		WriteQueryError(rec, "https://sts.amazonaws.com/doc/2011-06-15/", "req", tt.err)
		var doc struct {
			XMLName xml.Name
			Type    string `xml:"Error>Type"`
			Code    string `xml:"Error>Code"`
			Message string `xml:"Error>Message"`
			ReqID   string `xml:"RequestId"`
		}
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		if rec.Code != tt.err.Status || doc.XMLName.Local != "ErrorResponse" || doc.XMLName.Space != "https://sts.amazonaws.com/doc/2011-06-15/" ||
			doc.Type != tt.wantType || doc.Code != tt.err.Code || doc.Message != tt.err.Message || doc.ReqID != "req" {
			t.Fatalf("%d %+v", rec.Code, doc)
		}
	}
}

// FuzzParseQuery: no input panics; what parses re-encodes canonically to
// the same parameters, and decodes into a struct without panicking.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{
		"Action=CreateUser&Version=2010-05-08&UserName=jack",
		"Action=TagUser&Tags.member.1.Key=a&Tags.member.1.Value=b&Tags.member.2.Key=c",
		"PolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D&MaxItems=100&Force=true",
		"a=%zz", "a=1&a=2", "PolicyNames=&Count=-1", "Tags.member.01.Key=x", "%",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseQuery(s)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("error %v is not a 400 *Error", err)
			}
			return
		}
		again, err := ParseQuery(q.Encode())
		if err != nil || !reflect.DeepEqual(again, q) {
			t.Fatalf("round trip of %q: %v, %v", s, again, err)
		}
		var v querySample
		if err := DecodeQuery(q, &v); err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Status != 400 {
				t.Fatalf("decode error %v is not a 400 *Error", err)
			}
		}
	})
}
