package awsproto

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Request bodies exactly as botocore serializes them (botocore's
// RestXMLSerializer, S3 model 2006-03-01; captured from the before-send
// event of boto3 create_bucket, complete_multipart_upload, delete_objects
// and put_bucket_encryption calls).
const (
	botoCreateBucket = `<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`

	botoCompleteMultipart = `<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><ETag>"a54357aff0632cce46d942af68356b38"</ETag><PartNumber>1</PartNumber></Part><Part><ETag>"0c78aef83f66abc1fa1e8477f296d394"</ETag><ChecksumSHA256>n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=</ChecksumSHA256><PartNumber>2</PartNumber></Part></CompleteMultipartUpload>`

	botoDelete = `<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a/b.txt</Key></Object><Object><Key>c &amp; &lt;d&gt;</Key><VersionId>3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY</VersionId></Object><Quiet>true</Quiet></Delete>`

	botoSSEKMS = `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`

	botoSSES3 = `<ServerSideEncryptionConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>`
)

func ptr[T any](v T) *T { return &v }

func TestS3XMLRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		body string
		into func() any
		want any
	}{
		{"CreateBucketConfiguration", botoCreateBucket, func() any { return new(CreateBucketConfiguration) },
			&CreateBucketConfiguration{LocationConstraint: "eu-west-1"}},
		{"CompleteMultipartUpload", botoCompleteMultipart, func() any { return new(CompleteMultipartUpload) },
			&CompleteMultipartUpload{Parts: []CompletedPart{
				{ETag: `"a54357aff0632cce46d942af68356b38"`, PartNumber: 1},
				{ETag: `"0c78aef83f66abc1fa1e8477f296d394"`, ChecksumSHA256: "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=", PartNumber: 2},
			}}},
		{"Delete", botoDelete, func() any { return new(Delete) },
			&Delete{Objects: []ObjectIdentifier{{Key: "a/b.txt"}, {Key: "c & <d>", VersionId: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}}, Quiet: ptr(true)}},
		{"SSE-KMS", botoSSEKMS, func() any { return new(ServerSideEncryptionConfiguration) },
			&ServerSideEncryptionConfiguration{Rules: []ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &ServerSideEncryptionByDefault{SSEAlgorithm: "aws:kms", KMSMasterKeyID: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"},
				BucketKeyEnabled:                   ptr(true),
			}}}},
		{"SSE-S3", botoSSES3, func() any { return new(ServerSideEncryptionConfiguration) },
			&ServerSideEncryptionConfiguration{Rules: []ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: &ServerSideEncryptionByDefault{SSEAlgorithm: "AES256"},
			}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.into()
			if err := DecodeS3XML(strings.NewReader(tt.body), MaxS3ConfigBody, got); err != nil {
				t.Fatal(err)
			}
			clearXMLName(got)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("decoded %+v\nwant    %+v", got, tt.want)
			}
			if v, ok := got.(interface{ Validate() error }); ok {
				if err := v.Validate(); err != nil {
					t.Errorf("Validate: %v", err)
				}
			}
			// Marshal gives back botocore's bytes, but for the XML
			// declaration and Go's escaping of '"' as &#34;.
			out, err := MarshalS3XML(got)
			if err != nil {
				t.Fatal(err)
			}
			body, ok := bytes.CutPrefix(out, []byte(xml.Header))
			if !ok {
				t.Fatalf("no XML declaration: %s", out)
			}
			if s := strings.ReplaceAll(string(body), "&#34;", `"`); s != tt.body {
				t.Errorf("marshal:\n got %s\nwant %s", s, tt.body)
			}
		})
	}
}

// clearXMLName zeroes the XMLName field, which Unmarshal fills in with
// the namespace it saw.
func clearXMLName(v any) {
	f := reflect.ValueOf(v).Elem().FieldByName("XMLName")
	if f.IsValid() {
		f.Set(reflect.Zero(f.Type()))
	}
}

func TestDecodeS3XMLErrors(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		limit    int64
		wantCode string
	}{
		{"no namespace is accepted", `<Delete><Object><Key>k</Key></Object></Delete>`, 0, ""},
		{"other namespace is accepted", `<Delete xmlns="urn:x"><Object><Key>k</Key></Object></Delete>`, 0, ""},
		{"unknown elements ignored", `<Delete><Nope>1</Nope><Object><Key>k</Key><Extra><A/></Extra></Object></Delete>`, 0, ""},
		{"declaration and comments", `<?xml version="1.0" encoding="UTF-8"?><!-- hi --><Delete><Object><Key>k</Key></Object></Delete><!-- bye -->` + "\n", 0, ""},
		{"empty", ``, 0, S3MissingRequestBodyError},
		{"white space", " \r\n\t", 0, S3MissingRequestBodyError},
		{"too large", `<Delete><Object><Key>k</Key></Object></Delete>`, 10, S3MaxMessageLengthExceeded},
		{"not XML", `{"Objects":[]}`, 0, S3MalformedXML},
		{"truncated", `<Delete><Object><Key>k</Key></Object>`, 0, S3MalformedXML},
		{"wrong root", `<Remove><Object><Key>k</Key></Object></Remove>`, 0, S3MalformedXML},
		{"two roots", `<Delete></Delete><Delete></Delete>`, 0, S3MalformedXML},
		{"trailing text", `<Delete><Object><Key>k</Key></Object></Delete>junk`, 0, S3MalformedXML},
		{"doctype", `<!DOCTYPE Delete [<!ENTITY x "y">]><Delete><Object><Key>&x;</Key></Object></Delete>`, 0, S3MalformedXML},
		{"external entity", `<!DOCTYPE Delete SYSTEM "file:///etc/passwd"><Delete/>`, 0, S3MalformedXML},
		{"undefined entity", `<Delete><Object><Key>&x;</Key></Object></Delete>`, 0, S3MalformedXML},
		{"bad Quiet", `<Delete><Object><Key>k</Key></Object><Quiet>maybe</Quiet></Delete>`, 0, S3MalformedXML},
		{"mismatched tags", `<Delete><Object></Delete></Object>`, 0, S3MalformedXML},
		{"invalid UTF-8", "<Delete><Object><Key>\xff</Key></Object></Delete>", 0, S3MalformedXML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			limit := tt.limit
			if limit == 0 {
				limit = MaxS3DeleteBody
			}
			var d Delete
			err := DecodeS3XML(strings.NewReader(tt.body), limit, &d)
			checkS3Code(t, err, tt.wantCode)
		})
	}
}

func TestDecodeS3XMLPartNumber(t *testing.T) {
	for _, body := range []string{
		`<CompleteMultipartUpload><Part><PartNumber>x</PartNumber></Part></CompleteMultipartUpload>`,
		`<CompleteMultipartUpload><Part><PartNumber>99999999999</PartNumber></Part></CompleteMultipartUpload>`,
	} {
		var c CompleteMultipartUpload
		checkS3Code(t, DecodeS3XML(strings.NewReader(body), MaxS3CompleteMultipartBody, &c), S3MalformedXML)
	}
}

func checkS3Code(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	var e *S3Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want %s", err, want)
	}
	if e.Err.Code != want {
		t.Fatalf("code %s, want %s", e.Err.Code, want)
	}
	spec, _ := S3ErrorSpecFor(want)
	if e.Err.Status != spec.Status {
		t.Errorf("status %d, want %d", e.Err.Status, spec.Status)
	}
}

func TestValidateCompleteMultipartUpload(t *testing.T) {
	parts := func(nums ...int32) *CompleteMultipartUpload {
		c := &CompleteMultipartUpload{}
		for _, n := range nums {
			c.Parts = append(c.Parts, CompletedPart{PartNumber: n, ETag: `"e"`})
		}
		return c
	}
	many := &CompleteMultipartUpload{}
	for i := range MaxS3Parts + 1 {
		many.Parts = append(many.Parts, CompletedPart{PartNumber: int32(i + 1)})
	}
	tests := []struct {
		name     string
		c        *CompleteMultipartUpload
		wantCode string
	}{
		{"one", parts(1), ""},
		{"gaps are fine", parts(1, 3, 10000), ""},
		{"none", parts(), S3MalformedXML},
		{"too many", many, S3MalformedXML},
		{"zero", parts(0), S3InvalidArgument},
		{"too large", parts(1, 10001), S3InvalidArgument},
		{"descending", parts(2, 1), S3InvalidPartOrder},
		{"duplicate", parts(1, 1), S3InvalidPartOrder},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkS3Code(t, tt.c.Validate(), tt.wantCode) })
	}
}

func TestValidateDelete(t *testing.T) {
	keys := func(n int) *Delete {
		d := &Delete{}
		for i := range n {
			d.Objects = append(d.Objects, ObjectIdentifier{Key: fmt.Sprint("k", i)})
		}
		return d
	}
	tests := []struct {
		name     string
		d        *Delete
		wantCode string
	}{
		{"one", keys(1), ""},
		{"1000", keys(MaxS3DeleteObjects), ""},
		{"1001", keys(MaxS3DeleteObjects + 1), S3MalformedXML},
		{"none", keys(0), S3MalformedXML},
		{"empty key", &Delete{Objects: []ObjectIdentifier{{Key: "a"}, {VersionId: "v"}}}, S3UserKeyMustBeSpecified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkS3Code(t, tt.d.Validate(), tt.wantCode) })
	}
	// A 1000-key body of 1024-byte keys that need escaping fits the cap.
	var b strings.Builder
	b.WriteString(`<Delete xmlns="` + S3Namespace + `">`)
	for range MaxS3DeleteObjects {
		b.WriteString("<Object><Key>" + strings.Repeat("&amp;", 1024) + "</Key><VersionId>" + strings.Repeat("v", 32) + "</VersionId></Object>")
	}
	b.WriteString("<Quiet>true</Quiet></Delete>")
	var d Delete
	if err := DecodeS3XML(strings.NewReader(b.String()), MaxS3DeleteBody, &d); err != nil {
		t.Fatalf("largest valid body: %v (%d bytes)", err, b.Len())
	}
	if err := d.Validate(); err != nil || !d.IsQuiet() || len(d.Objects[0].Key) != 1024 {
		t.Errorf("largest valid body: %v", err)
	}
}

func TestValidateServerSideEncryptionConfiguration(t *testing.T) {
	rule := func(alg, key string) ServerSideEncryptionRule {
		return ServerSideEncryptionRule{ApplyServerSideEncryptionByDefault: &ServerSideEncryptionByDefault{SSEAlgorithm: alg, KMSMasterKeyID: key}}
	}
	tests := []struct {
		name     string
		rules    []ServerSideEncryptionRule
		wantCode string
	}{
		{"AES256", []ServerSideEncryptionRule{rule("AES256", "")}, ""},
		{"aws:kms with key", []ServerSideEncryptionRule{rule("aws:kms", "alias/x")}, ""},
		{"aws:kms default key", []ServerSideEncryptionRule{rule("aws:kms", "")}, ""},
		{"aws:kms:dsse", []ServerSideEncryptionRule{rule("aws:kms:dsse", "k")}, ""},
		{"bucket key only", []ServerSideEncryptionRule{{BucketKeyEnabled: ptr(true)}}, ""},
		{"no rule", nil, S3MalformedXML},
		{"two rules", []ServerSideEncryptionRule{rule("AES256", ""), rule("AES256", "")}, S3MalformedXML},
		{"unknown algorithm", []ServerSideEncryptionRule{rule("ROT13", "")}, S3MalformedXML},
		{"empty algorithm", []ServerSideEncryptionRule{rule("", "")}, S3MalformedXML},
		{"key with AES256", []ServerSideEncryptionRule{rule("AES256", "k")}, S3InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &ServerSideEncryptionConfiguration{Rules: tt.rules}
			checkS3Code(t, c.Validate(), tt.wantCode)
		})
	}
}

type s3ListResult struct {
	XMLName  xml.Name `xml:"ListAllMyBucketsResult"`
	Name     string   `xml:"Buckets>Bucket>Name"`
	Creation S3Time   `xml:"Buckets>Bucket>CreationDate"`
}

func TestMarshalS3XML(t *testing.T) {
	ts := time.Date(2026, 11, 23, 12, 1, 2, 345678901, time.FixedZone("x", 3600))
	out, err := MarshalS3XML(&s3ListResult{Name: "b", Creation: S3Time(ts)})
	if err != nil {
		t.Fatal(err)
	}
	want := xml.Header + `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets><Bucket><Name>b</Name><CreationDate>2026-11-23T11:01:02.345Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`
	if string(out) != want {
		t.Errorf("got  %s\nwant %s", out, want)
	}

	// A namespace in the XMLName tag is kept; a struct without XMLName
	// is named after its type.
	type withNS struct {
		XMLName xml.Name `xml:"urn:other Thing"`
	}
	type Bare struct{ A int }
	for v, want := range map[any]string{
		withNS{}:        `<Thing xmlns="urn:other"></Thing>`,
		&Bare{A: 1}:     `<Bare xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A>1</A></Bare>`,
		&s3ListResult{}: `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Buckets><Bucket><Name></Name><CreationDate>0001-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>`,
	} {
		out, err := MarshalS3XML(v)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(string(out), xml.Header); got != want {
			t.Errorf("%T: got %s, want %s", v, got, want)
		}
	}
	if _, err := MarshalS3XML(42); err == nil {
		t.Error("MarshalS3XML(42) did not fail")
	}

	rec := httptest.NewRecorder()
	if err := WriteS3XML(rec, http.StatusOK, &Bare{A: 2}); err != nil {
		t.Fatal(err)
	}
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/xml" || !strings.Contains(rec.Body.String(), "<A>2</A>") {
		t.Errorf("WriteS3XML: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

func TestS3Time(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026-11-23T12:01:02.345Z", "2026-11-23T12:01:02.345Z", true},
		{"2026-11-23T12:01:02Z", "2026-11-23T12:01:02.000Z", true},
		{"2026-11-23T13:01:02.3456789+01:00", "2026-11-23T12:01:02.345Z", true},
		{" 2026-11-23T12:01:02Z ", "2026-11-23T12:01:02.000Z", true},
		{"Mon, 23 Nov 2026 12:01:02 GMT", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		var s S3Time
		err := s.UnmarshalText([]byte(tt.in))
		if (err == nil) != tt.ok {
			t.Errorf("%q: err %v", tt.in, err)
			continue
		}
		if tt.ok && s.String() != tt.want {
			t.Errorf("%q: %s, want %s", tt.in, s, tt.want)
		}
	}
}

// fuzzS3Body decodes body into a fresh *T, validates it, and checks that
// a body that decodes marshals to one that decodes to the same value.
func fuzzS3Body[T any](t *testing.T, body []byte, limit int64) {
	v := new(T)
	err := DecodeS3XML(bytes.NewReader(body), limit, v)
	if err != nil {
		var e *S3Error
		if !errors.As(err, &e) {
			t.Fatalf("error is not an *S3Error: %v", err)
		}
		switch e.Err.Code {
		case S3MalformedXML, S3MissingRequestBodyError, S3MaxMessageLengthExceeded:
		default:
			t.Fatalf("unexpected code %s", e.Err.Code)
		}
		return
	}
	if val, ok := any(v).(interface{ Validate() error }); ok {
		if err := val.Validate(); err != nil {
			var e *S3Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate error is not an *S3Error: %v", err)
			}
		}
	}
	out, err := MarshalS3XML(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	w := new(T)
	if err := UnmarshalS3XML(out, w); err != nil {
		t.Fatalf("re-decode of %s: %v", out, err)
	}
	clearXMLName(v)
	clearXMLName(w)
	if !reflect.DeepEqual(v, w) {
		t.Fatalf("round trip changed the value:\n%+v\n%+v\n%s", v, w, out)
	}
}

func seedS3XML(f *testing.F, samples ...string) {
	for _, s := range append(samples,
		``, `<x/>`, `<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`, `<?xml version="1.0"?>`,
		`<a xmlns="`+S3Namespace+`"></a><b/>`) {
		f.Add([]byte(s))
	}
}

func FuzzDecodeCreateBucketConfiguration(f *testing.F) {
	seedS3XML(f, botoCreateBucket, `<CreateBucketConfiguration/>`, `<CreateBucketConfiguration><LocationConstraint> us-west-2 </LocationConstraint></CreateBucketConfiguration>`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzS3Body[CreateBucketConfiguration](t, b, MaxS3ConfigBody) })
}

func FuzzDecodeCompleteMultipartUpload(f *testing.F) {
	seedS3XML(f, botoCompleteMultipart, `<CompleteMultipartUpload><Part><PartNumber> 7 </PartNumber><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzS3Body[CompleteMultipartUpload](t, b, MaxS3CompleteMultipartBody) })
}

func FuzzDecodeDelete(f *testing.F) {
	seedS3XML(f, botoDelete, `<Delete><Object><Key>&#x1F600;&#13;</Key><ETag>"e"</ETag></Object><Quiet>false</Quiet></Delete>`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzS3Body[Delete](t, b, MaxS3DeleteBody) })
}

func FuzzDecodeServerSideEncryptionConfiguration(f *testing.F) {
	seedS3XML(f, botoSSEKMS, botoSSES3, `<ServerSideEncryptionConfiguration><Rule><BucketKeyEnabled>1</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`)
	f.Fuzz(func(t *testing.T, b []byte) { fuzzS3Body[ServerSideEncryptionConfiguration](t, b, MaxS3ConfigBody) })
}
