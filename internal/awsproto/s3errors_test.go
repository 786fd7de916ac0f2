package awsproto

import (
	"compress/gzip"
	"encoding/json"
	"encoding/xml"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// requiredS3Codes are the codes the S3 issue names; the table must hold
// each.
var requiredS3Codes = []string{
	"AccessDenied", "AccountProblem", "AuthorizationHeaderMalformed",
	"AuthorizationQueryParametersError", "BadDigest", "BucketAlreadyExists",
	"BucketAlreadyOwnedByYou", "BucketNotEmpty", "EntityTooLarge", "EntityTooSmall",
	"ExpiredToken", "IllegalLocationConstraintException", "IncompleteBody",
	"InternalError", "InvalidAccessKeyId", "InvalidArgument", "InvalidBucketName",
	"InvalidDigest", "InvalidEncryptionAlgorithmError", "InvalidObjectState",
	"InvalidPart", "InvalidPartOrder", "InvalidRange", "InvalidRequest", "InvalidToken",
	"KeyTooLongError", "KMS.DisabledException", "KMS.KMSInvalidStateException",
	"KMS.NotFoundException", "MalformedXML", "MalformedPolicy",
	"MaxMessageLengthExceeded", "MetadataTooLarge", "MethodNotAllowed",
	"MissingContentLength", "MissingSecurityHeader", "NoSuchBucket",
	"NoSuchBucketPolicy", "NoSuchKey", "NoSuchUpload", "NotImplemented",
	"PreconditionFailed", "RequestTimeTooSkewed",
	"ServerSideEncryptionConfigurationNotFoundError", "SignatureDoesNotMatch",
	"SlowDown", "XAmzContentSHA256Mismatch", "InvalidChunkSizeError",
}

// s3MessageDeviations are the codes whose message is not the Description
// of the botocore list verbatim, and why. Every other code the list
// describes must carry its Description as message.
var s3MessageDeviations = map[string]string{
	"BucketAlreadyOwnedByYou":   "the Description explains the us-east-1 exception; the message is the one S3 sends",
	"InvalidLocationConstraint": "the Description ends with a link to the Regions page",
	"InvalidRequest":            "the list has nine rows, each for one Transfer Acceleration or SigV2 case; ours is generic and callers set the message",
	"MalformedXML":              "the Description quotes the message; we send the quoted message",
	"MissingRequestBodyError":   "the Description quotes the message; we send the quoted message",
	"NoSuchVersion":             "the Description explains the code; the message is the one S3 sends",
	"SignatureDoesNotMatch":     "the Description points to SOAP documentation; the message is the one S3 sends",
}

// s3NotInBotocore are the table's codes that neither the botocore S3
// model's exception shapes nor its Error.Code list name; their status and
// message come from the S3 API Reference "Error responses" page, the
// User Guide "Billing for Amazon S3 error responses" page, or S3's wire
// behaviour, as docs/s3-protocol.md records.
var s3NotInBotocore = []string{
	"AuthorizationQueryParametersError", "ConditionalRequestConflict",
	"IllegalLocationConstraintException", "InvalidChunkSizeError",
	"KMS.DisabledException", "KMS.KMSInvalidStateException", "KMS.NotFoundException",
	"MalformedPolicy", "ServerSideEncryptionConfigurationNotFoundError",
	"XAmzContentSHA256Mismatch",
}

func TestS3ErrorTable(t *testing.T) {
	seen := map[string]bool{}
	var codes []string
	for _, s := range s3ErrorTable {
		t.Run(s.Code, func(t *testing.T) {
			if s.Code == "" || strings.ContainsAny(s.Code, " <>&") {
				t.Errorf("bad code %q", s.Code)
			}
			if seen[s.Code] {
				t.Errorf("duplicate code %q", s.Code)
			}
			if s.Status < 300 || s.Status > 599 || http.StatusText(s.Status) == "" {
				t.Errorf("status %d is not an HTTP error status", s.Status)
			}
			if strings.TrimSpace(s.Message) == "" {
				t.Error("no message")
			}
			got, ok := S3ErrorSpecFor(s.Code)
			if !ok || got != s {
				t.Errorf("S3ErrorSpecFor(%q) = %v, %v", s.Code, got, ok)
			}
		})
		seen[s.Code] = true
		codes = append(codes, s.Code)
	}
	if !slices.IsSorted(codes) {
		t.Error("the table is not in code order")
	}
	for _, c := range requiredS3Codes {
		if !seen[c] {
			t.Errorf("required code %s is not in the table", c)
		}
	}
	if _, ok := S3ErrorSpecFor("NoSuchThing"); ok {
		t.Error("S3ErrorSpecFor found a code that is not in the table")
	}
}

// TestS3ErrorConstantsInTable parses s3errors.go: every S3* string
// constant is in the table, and every table row uses a constant.
func TestS3ErrorConstantsInTable(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "s3errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok || len(vs.Values) != 1 {
			return true
		}
		lit, ok := vs.Values[0].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || !strings.HasPrefix(vs.Names[0].Name, "S3") {
			return true
		}
		v, _ := strconv.Unquote(lit.Value)
		consts[vs.Names[0].Name] = v
		return true
	})
	inTable := map[string]bool{}
	for _, s := range s3ErrorTable {
		inTable[s.Code] = true
	}
	values := map[string]bool{}
	for name, code := range consts {
		values[code] = true
		if !inTable[code] {
			t.Errorf("constant %s = %q is not in the table", name, code)
		}
	}
	for code := range inTable {
		if !values[code] {
			t.Errorf("table code %q has no constant", code)
		}
	}
}

// botocoreError is what the botocore S3 model says of one error code:
// the HTTP status (0 if it says none) and, from the Error.Code list, the
// Description.
type botocoreError struct {
	Status      int
	Description string
}

// botocoreSnapshot is what botocore 1.x's data/s3/2006-03-01/service-2.json.gz
// says of the codes in our table, extracted by botocoreS3Errors. The test
// reads the installed model when it can find one and checks this
// snapshot against it; without botocore it checks the table against the
// snapshot alone.
var botocoreSnapshot = map[string]botocoreError{
	"AccessDenied":                    {403, "Access Denied"},
	"AccountProblem":                  {403, "There is a problem with your Amazon Web Services account that prevents the action from completing successfully. Contact Amazon Web Services Support for further assistance."},
	"AuthorizationHeaderMalformed":    {400, "The authorization header you provided is invalid."},
	"BadDigest":                       {400, "The Content-MD5 you specified did not match what we received."},
	"BucketAlreadyExists":             {409, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."},
	"BucketAlreadyOwnedByYou":         {409, "The bucket you tried to create already exists, and you own it. Amazon S3 returns this error in all Amazon Web Services Regions except in the North Virginia Region. For legacy compatibility, if you re-create an existing bucket that you already own in the North Virginia Region, Amazon S3 returns 200 OK and resets the bucket access control lists (ACLs)."},
	"BucketNotEmpty":                  {409, "The bucket you tried to delete is not empty."},
	"EntityTooLarge":                  {400, "Your proposed upload exceeds the maximum allowed object size."},
	"EntityTooSmall":                  {400, "Your proposed upload is smaller than the minimum allowed object size."},
	"ExpiredToken":                    {400, "The provided token has expired."},
	"IncompleteBody":                  {400, "You did not provide the number of bytes specified by the Content-Length HTTP header"},
	"InternalError":                   {500, "We encountered an internal error. Please try again."},
	"InvalidAccessKeyId":              {403, "The Amazon Web Services access key ID you provided does not exist in our records."},
	"InvalidArgument":                 {400, "Invalid Argument"},
	"InvalidBucketName":               {400, "The specified bucket is not valid."},
	"InvalidDigest":                   {400, "The Content-MD5 you specified is not valid."},
	"InvalidEncryptionAlgorithmError": {400, "The encryption request you specified is not valid. The valid value is AES256."},
	"InvalidLocationConstraint":       {400, "The specified location constraint is not valid. For more information about Regions, see How to Select a Region for Your Buckets ."},
	"InvalidObjectState":              {403, "The action is not valid for the current state of the object."},
	"InvalidPart":                     {400, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag."},
	"InvalidPartOrder":                {400, "The list of parts was not in ascending order. Parts list must be specified in order by part number."},
	"InvalidRange":                    {416, "The requested range cannot be satisfied."},
	"InvalidRequest":                  {400, "Please use AWS4-HMAC-SHA256 ."},
	"InvalidToken":                    {400, "The provided token is malformed or otherwise invalid."},
	"KeyTooLongError":                 {400, "Your key is too long."},
	"MalformedXML":                    {400, `This happens when the user sends malformed XML (XML that doesn't conform to the published XSD) for the configuration. The error message is, "The XML you provided was not well-formed or did not validate against our published schema."`},
	"MaxMessageLengthExceeded":        {400, "Your request was too big."},
	"MetadataTooLarge":                {400, "Your metadata headers exceed the maximum allowed metadata size."},
	"MethodNotAllowed":                {405, "The specified method is not allowed against this resource."},
	"MissingContentLength":            {411, "You must provide the Content-Length HTTP header."},
	"MissingRequestBodyError":         {400, `This happens when the user sends an empty XML document as a request. The error message is, "Request body is empty."`},
	"MissingSecurityHeader":           {400, "Your request is missing a required header."},
	"NoSuchBucket":                    {404, "The specified bucket does not exist."},
	"NoSuchBucketPolicy":              {404, "The specified bucket does not have a bucket policy."},
	"NoSuchKey":                       {404, "The specified key does not exist."},
	"NoSuchUpload":                    {404, "The specified multipart upload does not exist. The upload ID might be invalid, or the multipart upload might have been aborted or completed."},
	"NoSuchVersion":                   {404, "Indicates that the version ID specified in the request does not match an existing version."},
	"NotImplemented":                  {501, "A header you provided implies functionality that is not implemented."},
	"PreconditionFailed":              {412, "At least one of the preconditions you specified did not hold."},
	"RequestTimeTooSkewed":            {403, "The difference between the request time and the server's time is too large."},
	"SignatureDoesNotMatch":           {403, "The request signature we calculated does not match the signature you provided. Check your Amazon Web Services secret access key and signing method. For more information, see REST Authentication and SOAP Authentication for details."},
	"SlowDown":                        {503, "Reduce your request rate."},
	"TooManyParts":                    {400, ""},
	"UserKeyMustBeSpecified":          {400, "The bucket POST must contain the specified field name. If it is specified, check the order of the fields."},
}

// TestS3ErrorTableMatchesBotocore checks each row against the botocore S3
// model where the model names the code: the same status, and the
// Description as message unless s3MessageDeviations says why not. Codes
// the model does not name must be listed in s3NotInBotocore.
func TestS3ErrorTableMatchesBotocore(t *testing.T) {
	model := botocoreSnapshot
	if live, path := botocoreS3Errors(t); live != nil {
		t.Logf("checking against %s", path)
		for code, want := range botocoreSnapshot {
			if got, ok := live[code]; !ok || got != want {
				t.Errorf("snapshot of %s is stale: model says %+v, snapshot %+v", code, got, want)
			}
		}
		model = live
	} else {
		t.Log("botocore not found; checking against the snapshot")
	}
	for _, s := range s3ErrorTable {
		b, ok := model[s.Code]
		if !ok {
			if !slices.Contains(s3NotInBotocore, s.Code) {
				t.Errorf("%s: not in the botocore model and not listed in s3NotInBotocore", s.Code)
			}
			continue
		}
		if slices.Contains(s3NotInBotocore, s.Code) {
			t.Errorf("%s: listed in s3NotInBotocore but the model names it", s.Code)
		}
		if b.Status != 0 && b.Status != s.Status {
			t.Errorf("%s: status %d, botocore says %d", s.Code, s.Status, b.Status)
		}
		if _, dev := s3MessageDeviations[s.Code]; b.Description != "" && !dev && s.Message != b.Description {
			t.Errorf("%s: message %q, botocore says %q", s.Code, s.Message, b.Description)
		}
	}
	for code := range s3MessageDeviations {
		if _, ok := S3ErrorSpecFor(code); !ok {
			t.Errorf("deviation listed for %s, which is not in the table", code)
		}
	}
}

var (
	htmlTag        = regexp.MustCompile(`<[^>]+>`)
	spaces         = regexp.MustCompile(`\s+`)
	errorCodeEntry = regexp.MustCompile(`Code: ([A-Za-z.]+) Description: (.*?) (?:HTTP Status )?Code: (\d{3}|N/A)`)
)

// botocoreS3Errors reads the installed botocore S3 model (found through
// $BOTOCORE_DIR or python3) and returns what it says of every code the
// table holds: the status of its exception shape or Error.Code entry and
// the entry's Description. It returns nil if there is no model.
func botocoreS3Errors(t *testing.T) (map[string]botocoreError, string) {
	t.Helper()
	dir := os.Getenv("BOTOCORE_DIR")
	if dir == "" {
		out, err := exec.Command("python3", "-c", "import botocore,os;print(os.path.dirname(botocore.__file__))").Output()
		if err != nil {
			return nil, ""
		}
		dir = strings.TrimSpace(string(out))
	}
	path := filepath.Join(dir, "data", "s3", "2006-03-01", "service-2.json.gz")
	f, err := os.Open(path)
	if err != nil {
		return nil, ""
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var model struct {
		Shapes map[string]struct {
			Exception bool `json:"exception"`
			Error     struct {
				HTTPStatusCode int `json:"httpStatusCode"`
			} `json:"error"`
			Members map[string]struct {
				Documentation string `json:"documentation"`
			} `json:"members"`
		} `json:"shapes"`
	}
	if err := json.NewDecoder(zr).Decode(&model); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	all := map[string]botocoreError{}
	doc := model.Shapes["Error"].Members["Code"].Documentation
	doc = spaces.ReplaceAllString(html.UnescapeString(htmlTag.ReplaceAllString(doc, " ")), " ")
	for _, m := range errorCodeEntry.FindAllStringSubmatch(doc, -1) {
		if _, dup := all[m[1]]; dup {
			continue // InvalidRequest has several rows: keep the first.
		}
		status, _ := strconv.Atoi(m[3])
		all[m[1]] = botocoreError{Status: status, Description: m[2]}
	}
	for name, s := range model.Shapes {
		if s.Exception {
			e := all[name]
			e.Status = s.Error.HTTPStatusCode
			all[name] = e
		}
	}
	if len(all) < 50 {
		t.Fatalf("%s: only %d error codes found: has the model's layout changed?", path, len(all))
	}
	out := map[string]botocoreError{}
	for _, s := range s3ErrorTable {
		if e, ok := all[s.Code]; ok {
			out[s.Code] = e
		}
	}
	return out, path
}

type s3ErrorBody struct {
	XMLName          xml.Name `xml:"Error"`
	Code             string
	Message          string
	Key              string
	Condition        string
	RangeRequested   string
	ActualObjectSize string
	Resource         string
	RequestId        string
}

func TestWriteS3Error(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		err        error
		wantStatus int
		wantCode   string
		wantMsg    string
		wantBody   bool
		check      func(t *testing.T, rec *httptest.ResponseRecorder, b s3ErrorBody)
	}{
		{
			name: "no such key with key", method: http.MethodGet, path: "/bucket/photo.jpg",
			err:        NewS3Error(S3NoSuchKey).With("Key", "photo.jpg"),
			wantStatus: 404, wantCode: "NoSuchKey", wantMsg: "The specified key does not exist.", wantBody: true,
			check: func(t *testing.T, _ *httptest.ResponseRecorder, b s3ErrorBody) {
				if b.Key != "photo.jpg" || b.Resource != "/bucket/photo.jpg" || b.RequestId != "REQ1" {
					t.Errorf("body %+v", b)
				}
			},
		},
		{
			name: "HEAD gets no body", method: http.MethodHead, path: "/bucket/k",
			err: NewS3Error(S3NoSuchKey), wantStatus: 404,
		},
		{
			name: "wrapped S3 error", method: http.MethodGet, path: "/b",
			err:        errors.Join(errors.New("context"), NewS3Error(S3NoSuchBucket)),
			wantStatus: 404, wantCode: "NoSuchBucket", wantMsg: "The specified bucket does not exist.", wantBody: true,
		},
		{
			name: "plain *Error from another layer", method: http.MethodPut, path: "/b/k",
			err:        Errorf(S3AccessDenied, http.StatusForbidden, "Access Denied"),
			wantStatus: 403, wantCode: "AccessDenied", wantMsg: "Access Denied", wantBody: true,
		},
		{
			name: "unknown error reveals nothing", method: http.MethodGet, path: "/b/k",
			err:        errors.New("disk /var/secret full"),
			wantStatus: 500, wantCode: "InternalError", wantMsg: "We encountered an internal error. Please try again.", wantBody: true,
			check: func(t *testing.T, rec *httptest.ResponseRecorder, _ s3ErrorBody) {
				if strings.Contains(rec.Body.String(), "secret") {
					t.Error("the cause leaked into the body")
				}
			},
		},
		{
			name: "invalid range carries Content-Range", method: http.MethodGet, path: "/b/k",
			err:        mustRangeError(t, "bytes=100-", 10),
			wantStatus: 416, wantCode: "InvalidRange", wantMsg: "The requested range cannot be satisfied.", wantBody: true,
			check: func(t *testing.T, rec *httptest.ResponseRecorder, b s3ErrorBody) {
				if got := rec.Header().Get("Content-Range"); got != "bytes */10" {
					t.Errorf("Content-Range %q", got)
				}
				if b.RangeRequested != "bytes=100-" || b.ActualObjectSize != "10" {
					t.Errorf("body %+v", b)
				}
			},
		},
		{
			name: "escaping", method: http.MethodGet, path: "/b/a&b",
			err:        NewS3Error(S3InvalidArgument).WithMessage(`bad <"&'> value`).With("Key", "a&b<c>"),
			wantStatus: 400, wantCode: "InvalidArgument", wantMsg: `bad <"&'> value`, wantBody: true,
			check: func(t *testing.T, _ *httptest.ResponseRecorder, b s3ErrorBody) {
				if b.Key != "a&b<c>" || b.Resource != "/b/a&b" {
					t.Errorf("body %+v", b)
				}
			},
		},
		{
			name: "invalid field names are dropped", method: http.MethodGet, path: "/b",
			err:        NewS3Error(S3InvalidRequest).With("a b", "x").With("xmlns", "y").With("<x>", "z"),
			wantStatus: 400, wantCode: "InvalidRequest", wantMsg: "Invalid Request", wantBody: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteS3Error(rec, httptest.NewRequest(tt.method, "http://s3.test"+strings.ReplaceAll(tt.path, "&", "%26"), nil), tt.err, "REQ1")
			if rec.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", rec.Code, tt.wantStatus)
			}
			if rec.Header().Get("x-amz-request-id") != "REQ1" {
				t.Error("no x-amz-request-id")
			}
			if !tt.wantBody {
				if rec.Body.Len() != 0 {
					t.Errorf("body %q, want none", rec.Body.String())
				}
				return
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/xml" {
				t.Errorf("Content-Type %q", ct)
			}
			if !strings.HasPrefix(rec.Body.String(), xml.Header+"<Error>") {
				t.Errorf("body does not start with the declaration and <Error>: %q", rec.Body.String())
			}
			if err := checkS3XML(rec.Body.Bytes()); err != nil {
				t.Errorf("body is not one well-formed element: %v", err)
			}
			var b s3ErrorBody
			if err := xml.Unmarshal(rec.Body.Bytes(), &b); err != nil {
				t.Fatalf("%v: %s", err, rec.Body.String())
			}
			if b.Code != tt.wantCode || b.Message != tt.wantMsg {
				t.Errorf("Code %q Message %q, want %q %q", b.Code, b.Message, tt.wantCode, tt.wantMsg)
			}
			if tt.check != nil {
				tt.check(t, rec, b)
			}
		})
	}
}

func mustRangeError(t *testing.T, h string, size int64) error {
	t.Helper()
	r, err := ParseRange(h, size)
	if r != nil || err == nil {
		t.Fatalf("ParseRange(%q, %d) = %v, %v; want an error", h, size, r, err)
	}
	return err
}

func TestS3ErrorAs(t *testing.T) {
	err := error(NewS3Error(S3NoSuchUpload))
	var e *Error
	if !errors.As(err, &e) || e.Code != S3NoSuchUpload || e.Status != http.StatusNotFound {
		t.Errorf("errors.As *Error: %v", e)
	}
	if got := As(err); got.Code != S3NoSuchUpload {
		t.Errorf("As: %v", got)
	}
	if got := AsS3Error(err); got.Err.Code != S3NoSuchUpload {
		t.Errorf("AsS3Error: %v", got)
	}
	// Each call returns a fresh error: changing one changes no other.
	a := NewS3Error(S3InvalidArgument).WithMessage("changed")
	if b := NewS3Error(S3InvalidArgument); b.Err.Message == a.Err.Message {
		t.Error("NewS3Error shares state between calls")
	}
	defer func() {
		if recover() == nil {
			t.Error("NewS3Error of an unknown code did not panic")
		}
	}()
	NewS3Error("NoSuchThing")
}
