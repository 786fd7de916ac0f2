package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// queryRequest builds an IAM or STS Query request signed with the dev
// credentials for service; GET puts the parameters in the URL.
func queryRequest(tb testing.TB, method, service, body string, at time.Time) *http.Request {
	tb.Helper()
	var r *http.Request
	if method == http.MethodGet {
		r = httptest.NewRequest(method, "http://127.0.0.1:4600/?"+body, nil)
		body = ""
	} else {
		r = httptest.NewRequest(method, "http://127.0.0.1:4600/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256([]byte(body))
	if service != "" {
		if err := v4.NewSigner().SignHTTP(context.Background(), devCreds, r, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
			tb.Fatal(err)
		}
	}
	return r
}

type queryErrorDoc struct {
	XMLName xml.Name
	Type    string `xml:"Error>Type"`
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
	ReqID   string `xml:"RequestId"`
}

func TestQueryRouting(t *testing.T) {
	a := newApp(t)
	const iamNS, stsNS = "https://iam.amazonaws.com/doc/2010-05-08/", "https://sts.amazonaws.com/doc/2011-06-15/"
	now := time.Now()
	tests := []struct {
		name     string
		req      *http.Request
		wantCode int
		wantErr  string // "" for success
		wantNS   string
		wantBody string
	}{
		{"sts get-caller-identity", queryRequest(t, "POST", "sts", "Action=GetCallerIdentity&Version=2011-06-15", now), 200, "", stsNS,
			"<Arn>arn:aws:iam::111122223333:root</Arn>"},
		{"sts via GET", queryRequest(t, "GET", "sts", "Action=GetCallerIdentity&Version=2011-06-15", now), 200, "", stsNS, "<Account>111122223333</Account>"},
		{"iam list-users", queryRequest(t, "POST", "iam", "Action=ListUsers&Version=2010-05-08", now), 200, "", iamNS, "<Users></Users>"},
		{"unknown action", queryRequest(t, "POST", "iam", "Action=CreateBucket&Version=2010-05-08", now), 400, "InvalidAction", iamNS, ""},
		{"wrong version", queryRequest(t, "POST", "iam", "Action=ListUsers&Version=2011-06-15", now), 400, "InvalidAction", iamNS, ""},
		{"sts action on iam", queryRequest(t, "POST", "iam", "Action=GetCallerIdentity&Version=2010-05-08", now), 400, "InvalidAction", iamNS, ""},
		{"missing action", queryRequest(t, "POST", "iam", "Version=2010-05-08", now), 400, "MissingAction", iamNS, ""},
		{"malformed body", queryRequest(t, "POST", "iam", "Action=ListUsers&Marker=%zz", now), 400, "MalformedQueryString", iamNS, ""},
		{"bad parameter", queryRequest(t, "POST", "iam", "Action=ListUsers&MaxItems=lots", now), 400, "ValidationError", iamNS, ""},
		{"missing required", queryRequest(t, "POST", "iam", "Action=CreateUser&Version=2010-05-08", now), 400, "ValidationError", iamNS, ""},
		{"unsigned", queryRequest(t, "POST", "", "Action=GetCallerIdentity&Version=2011-06-15", now), 403, "MissingAuthenticationToken", stsNS, ""},
		{"skewed clock", queryRequest(t, "POST", "sts", "Action=GetCallerIdentity&Version=2011-06-15", now.Add(-20*time.Minute)), 403, "SignatureDoesNotMatch", stsNS, ""},
		{"put method", queryRequest(t, "PUT", "iam", "Action=ListUsers", now), 400, "InvalidAction", iamNS, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			a.Handler.ServeHTTP(rec, tt.req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.wantCode, rec.Body.String())
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/xml" {
				t.Fatalf("content type %q", ct)
			}
			if tt.wantErr == "" {
				if !strings.Contains(rec.Body.String(), `xmlns="`+tt.wantNS+`"`) || !strings.Contains(rec.Body.String(), tt.wantBody) ||
					!strings.Contains(rec.Body.String(), "<RequestId>"+rec.Header().Get("X-Amzn-RequestId")+"</RequestId>") {
					t.Fatalf("body %s", rec.Body.String())
				}
				return
			}
			var doc queryErrorDoc
			if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
				t.Fatalf("error body is not XML: %q", rec.Body.String())
			}
			if doc.XMLName.Local != "ErrorResponse" || doc.XMLName.Space != tt.wantNS || doc.Code != tt.wantErr || doc.Type != "Sender" ||
				doc.Message == "" || doc.ReqID != rec.Header().Get("X-Amzn-RequestId") {
				t.Fatalf("error %+v", doc)
			}
		})
	}
}

// TestQueryBodyTamper: a signed body changed in transit is refused.
func TestQueryBodyTamper(t *testing.T) {
	a := newApp(t)
	r := queryRequest(t, "POST", "iam", "Action=CreateUser&Version=2010-05-08&UserName=jack", time.Now())
	r.Body = httpBody("Action=CreateUser&Version=2010-05-08&UserName=evil")
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, r)
	if rec.Code != 403 || !strings.Contains(rec.Body.String(), "SignatureDoesNotMatch") {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
}

func httpBody(s string) *bytesReadCloser { return &bytesReadCloser{bytes.NewReader([]byte(s))} }

type bytesReadCloser struct{ *bytes.Reader }

func (bytesReadCloser) Close() error { return nil }

// FuzzQueryRequest sends signed IAM and STS requests with arbitrary
// bodies: the answer is always a well-formed Query XML response, never a 5xx.
func FuzzQueryRequest(f *testing.F) {
	a := newApp(f)
	for _, seed := range []string{
		"Action=CreateUser&Version=2010-05-08&UserName=jack&Tags.member.1.Key=a&Tags.member.1.Value=b",
		"Action=PutUserPolicy&UserName=jack&PolicyName=p&PolicyDocument=%7B%22Statement%22%3A%5B%5D%7D",
		"Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B%7D&MaxSessionDuration=99999",
		"Action=ListUsers&MaxItems=0&Marker=%2B%2B",
		"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s1",
		"Action=GetPolicyVersion&PolicyArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Apolicy%2F&VersionId=v0",
		"Action=AttachUserPolicy&UserName=jack&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, body string, sts bool) {
		service := "iam"
		if sts {
			service = "sts"
		}
		rec := httptest.NewRecorder()
		a.Handler.ServeHTTP(rec, queryRequest(t, "POST", service, body, time.Now()))
		if rec.Code >= 500 {
			t.Fatalf("%d for %q: %s", rec.Code, body, rec.Body.String())
		}
		var doc struct{ XMLName xml.Name }
		if err := xml.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatalf("response to %q is not XML: %q", body, rec.Body.String())
		}
	})
}
