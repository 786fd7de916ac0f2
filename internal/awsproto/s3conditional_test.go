package awsproto

import (
	"errors"
	"net/http"
	"testing"
	"time"
)

// Sources: the S3 API Reference, GetObject and HeadObject, request
// members IfMatch, IfNoneMatch, IfModifiedSince and IfUnmodifiedSince (the
// same text is in the botocore S3 model); PutObject and
// CompleteMultipartUpload IfMatch and IfNoneMatch (conditional writes);
// RFC 9110 section 13 for what S3 leaves to it.
func TestEvaluateRead(t *testing.T) {
	const etag = `"a54357aff0632cce46d942af68356b38"`
	lm := time.Date(2026, 11, 1, 10, 0, 0, 500e6, time.UTC) // sub-second part is ignored
	before := lm.Add(-time.Hour).Format(http.TimeFormat)
	same := lm.Format(http.TimeFormat) // 10:00:00, lm truncated to the second
	after := lm.Add(time.Hour).Format(http.TimeFormat)

	tests := []struct {
		name       string
		c          Conditions
		want       ConditionResult
		wantHeader string
	}{
		{"no conditions", Conditions{}, ConditionProceed, ""},

		// IfMatch: "Return the object only if its entity tag (ETag) is the
		// same as the one specified in this header; otherwise, return a 412
		// Precondition Failed error."
		{"If-Match matches", Conditions{IfMatch: etag}, ConditionProceed, ""},
		{"If-Match without quotes", Conditions{IfMatch: "a54357aff0632cce46d942af68356b38"}, ConditionProceed, ""},
		{"If-Match in a list", Conditions{IfMatch: `"x", ` + etag}, ConditionProceed, ""},
		{"If-Match *", Conditions{IfMatch: "*"}, ConditionProceed, ""},
		{"If-Match differs", Conditions{IfMatch: `"other"`}, ConditionFailed, "If-Match"},
		{"If-Match weak never matches (strong comparison)", Conditions{IfMatch: "W/" + etag}, ConditionFailed, "If-Match"},

		// IfUnmodifiedSince: "Return the object only if it has not been
		// modified since the specified time; otherwise, return a 412."
		{"If-Unmodified-Since later", Conditions{IfUnmodifiedSince: after}, ConditionProceed, ""},
		{"If-Unmodified-Since same second", Conditions{IfUnmodifiedSince: same}, ConditionProceed, ""},
		{"If-Unmodified-Since earlier", Conditions{IfUnmodifiedSince: before}, ConditionFailed, "If-Unmodified-Since"},
		{"If-Unmodified-Since invalid is ignored", Conditions{IfUnmodifiedSince: "yesterday"}, ConditionProceed, ""},

		// "If both of the If-Match and If-Unmodified-Since headers are
		// present ... If-Match condition evaluates to true, and;
		// If-Unmodified-Since condition evaluates to false; then, S3
		// returns 200 OK and the data requested."
		{"If-Match true, If-Unmodified-Since false", Conditions{IfMatch: etag, IfUnmodifiedSince: before}, ConditionProceed, ""},
		{"If-Match false, If-Unmodified-Since true", Conditions{IfMatch: `"x"`, IfUnmodifiedSince: after}, ConditionFailed, "If-Match"},

		// IfNoneMatch: "Return the object only if its entity tag (ETag) is
		// different from the one specified in this header; otherwise,
		// return a 304 Not Modified error."
		{"If-None-Match matches", Conditions{IfNoneMatch: etag}, ConditionNotModified, "If-None-Match"},
		{"If-None-Match without quotes", Conditions{IfNoneMatch: "a54357aff0632cce46d942af68356b38"}, ConditionNotModified, "If-None-Match"},
		{"If-None-Match weak matches (weak comparison)", Conditions{IfNoneMatch: "W/" + etag}, ConditionNotModified, "If-None-Match"},
		{"If-None-Match *", Conditions{IfNoneMatch: "*"}, ConditionNotModified, "If-None-Match"},
		{"If-None-Match differs", Conditions{IfNoneMatch: `"other", "more"`}, ConditionProceed, ""},

		// IfModifiedSince: "Return the object only if it has been modified
		// since the specified time; otherwise, return a 304 Not Modified."
		{"If-Modified-Since earlier", Conditions{IfModifiedSince: before}, ConditionProceed, ""},
		{"If-Modified-Since same second", Conditions{IfModifiedSince: same}, ConditionNotModified, "If-Modified-Since"},
		{"If-Modified-Since later", Conditions{IfModifiedSince: after}, ConditionNotModified, "If-Modified-Since"},
		{"If-Modified-Since RFC 850 form", Conditions{IfModifiedSince: lm.Add(time.Hour).Format(time.RFC850)}, ConditionNotModified, "If-Modified-Since"},
		{"If-Modified-Since asctime form", Conditions{IfModifiedSince: lm.Add(time.Hour).Format(time.ANSIC)}, ConditionNotModified, "If-Modified-Since"},
		{"If-Modified-Since invalid is ignored", Conditions{IfModifiedSince: "2026-11-01"}, ConditionProceed, ""},

		// "If both of the If-None-Match and If-Modified-Since headers are
		// present ... If-None-Match condition evaluates to false, and;
		// If-Modified-Since condition evaluates to true; then, S3 returns
		// 304 Not Modified HTTP status code."
		//
		// Here "If-None-Match false" means the condition failed (the ETag
		// matched) and "If-Modified-Since true" means the object was
		// modified since: If-None-Match decides.
		{"If-None-Match false, If-Modified-Since true", Conditions{IfNoneMatch: etag, IfModifiedSince: before}, ConditionNotModified, "If-None-Match"},
		// RFC 9110 13.2.2 step 4: If-Modified-Since is evaluated only
		// without If-None-Match.
		{"If-None-Match true, If-Modified-Since false", Conditions{IfNoneMatch: `"x"`, IfModifiedSince: after}, ConditionProceed, ""},

		// RFC 9110 13.2.2: the 412 preconditions come before the 304 ones.
		{"If-Match false and If-None-Match false", Conditions{IfMatch: `"x"`, IfNoneMatch: etag}, ConditionFailed, "If-Match"},
		{"If-Unmodified-Since false and If-Modified-Since false", Conditions{IfUnmodifiedSince: before, IfModifiedSince: after}, ConditionFailed, "If-Unmodified-Since"},
		{"all four true", Conditions{IfMatch: etag, IfUnmodifiedSince: after, IfNoneMatch: `"x"`, IfModifiedSince: before}, ConditionProceed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, header := tt.c.EvaluateRead(etag, lm)
			if got != tt.want || header != tt.wantHeader {
				t.Errorf("got %v (%q), want %v (%q)", got, header, tt.want, tt.wantHeader)
			}
			// The ETag of the object may be stored with or without quotes.
			if got2, _ := tt.c.EvaluateRead(etag[1:len(etag)-1], lm); got2 != got {
				t.Errorf("unquoted object ETag: %v, quoted: %v", got2, got)
			}
		})
	}
}

func TestEvaluateWrite(t *testing.T) {
	const etag = `"e1"`
	tests := []struct {
		name         string
		c            Conditions
		exists       bool
		wantCode     string
		wantCondHead string
	}{
		{"unconditional, new", Conditions{}, false, "", ""},
		{"unconditional, existing", Conditions{}, true, "", ""},
		// IfNoneMatch: "Uploads the object only if the object key name does
		// not already exist ... Otherwise, Amazon S3 returns a 412
		// Precondition Failed error. ... Expects the '*' (asterisk)
		// character."
		{"If-None-Match *, new", Conditions{IfNoneMatch: "*"}, false, "", ""},
		{"If-None-Match *, existing", Conditions{IfNoneMatch: "*"}, true, S3PreconditionFailed, "If-None-Match"},
		{"If-None-Match etag is not implemented", Conditions{IfNoneMatch: etag}, false, S3NotImplemented, ""},
		// IfMatch: "Uploads the object only if the ETag ... matches the
		// ETag of the object in S3. If the ETag values do not match, the
		// operation returns a 412 Precondition Failed error."
		{"If-Match matches", Conditions{IfMatch: etag}, true, "", ""},
		{"If-Match unquoted", Conditions{IfMatch: "e1"}, true, "", ""},
		{"If-Match differs", Conditions{IfMatch: `"e2"`}, true, S3PreconditionFailed, "If-Match"},
		{"If-Match on a missing key", Conditions{IfMatch: etag}, false, S3NoSuchKey, ""},
		{"dates do not apply to writes", Conditions{IfUnmodifiedSince: "Mon, 01 Jan 1990 00:00:00 GMT"}, true, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.EvaluateWrite(tt.exists, etag)
			checkS3Code(t, err, tt.wantCode)
			if tt.wantCondHead != "" {
				var e *S3Error
				errors.As(err, &e)
				if len(e.Fields) != 1 || e.Fields[0] != (S3ErrorField{"Condition", tt.wantCondHead}) {
					t.Errorf("fields %v", e.Fields)
				}
			}
		})
	}
}

func TestEvaluateCopySource(t *testing.T) {
	lm := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("x-amz-copy-source-if-none-match", `"e1"`)
	c := CopySourceConditionsFromHeader(h)
	// S3 answers a failed copy-source If-None-Match with 412, not 304.
	err := c.EvaluateCopySource(`"e1"`, lm)
	checkS3Code(t, err, S3PreconditionFailed)
	var e *S3Error
	errors.As(err, &e)
	if e.Fields[0].Value != "x-amz-copy-source-If-None-Match" {
		t.Errorf("Condition %q", e.Fields[0].Value)
	}
	if err := c.EvaluateCopySource(`"e2"`, lm); err != nil {
		t.Errorf("different ETag: %v", err)
	}
}

func TestConditionsFromHeader(t *testing.T) {
	h := http.Header{}
	h.Add("If-Match", `"a"`)
	h.Add("If-Match", `"b"`)
	h.Set("If-None-Match", "*")
	h.Set("If-Modified-Since", "Mon, 02 Jan 2006 15:04:05 GMT")
	h.Set("If-Unmodified-Since", "Tue, 03 Jan 2006 15:04:05 GMT")
	c := ConditionsFromHeader(h)
	want := Conditions{IfMatch: `"a","b"`, IfNoneMatch: "*", IfModifiedSince: "Mon, 02 Jan 2006 15:04:05 GMT", IfUnmodifiedSince: "Tue, 03 Jan 2006 15:04:05 GMT"}
	if c != want {
		t.Errorf("got %+v", c)
	}
	if c.IsZero() || !ConditionsFromHeader(http.Header{}).IsZero() {
		t.Error("IsZero")
	}
	if r, _ := c.EvaluateRead("b", time.Now()); r != ConditionNotModified {
		t.Errorf("If-Match list from two headers: %v", r)
	}
}

func TestETagsMatch(t *testing.T) {
	tests := []struct {
		a, b         string
		strong, weak bool
	}{
		{`"x"`, `"x"`, true, true},
		{`"x"`, `x`, true, true},
		{`W/"x"`, `"x"`, false, true},
		{`W/"x"`, `W/"x"`, false, true},
		{`"x"`, `"y"`, false, false},
		{`""`, ``, true, true},
		{`"a,b"`, `a,b`, true, true},
	}
	for _, tt := range tests {
		if got := ETagsMatch(tt.a, tt.b, true); got != tt.strong {
			t.Errorf("strong %s %s = %v", tt.a, tt.b, got)
		}
		if got := ETagsMatch(tt.a, tt.b, false); got != tt.weak {
			t.Errorf("weak %s %s = %v", tt.a, tt.b, got)
		}
	}
	if !etagListMatches(`"a,b", "c"`, `"c"`, true) || !etagListMatches(`"a,b", "c"`, `"a,b"`, true) || etagListMatches(`"a,b", "c"`, `"a"`, true) {
		t.Error("a comma inside quotes split the list")
	}
}
