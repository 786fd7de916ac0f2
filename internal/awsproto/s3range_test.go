package awsproto

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Cases follow RFC 9110 section 14.1.2 (byte ranges) and 14.4
// (Content-Range), and the GetObject Range member of the S3 model:
// "Amazon S3 doesn't support retrieving multiple ranges of data per GET
// request."
func TestParseRange(t *testing.T) {
	const ignore = "ignore"
	const invalid = "416"
	tests := []struct {
		name   string
		header string
		size   int64
		want   string // Content-Range, ignore, or 416
	}{
		{"first-last", "bytes=0-9", 100, "bytes 0-9/100"},
		{"single byte", "bytes=5-5", 100, "bytes 5-5/100"},
		{"open end", "bytes=90-", 100, "bytes 90-99/100"},
		{"suffix", "bytes=-10", 100, "bytes 90-99/100"},
		{"last past end is clamped", "bytes=90-1000", 100, "bytes 90-99/100"},
		{"suffix longer than object", "bytes=-1000", 100, "bytes 0-99/100"},
		{"whole object", "bytes=0-", 100, "bytes 0-99/100"},
		{"last byte", "bytes=99-99", 100, "bytes 99-99/100"},
		{"unit is case-insensitive", "Bytes=0-0", 100, "bytes 0-0/100"},
		{"spaces around the set", "bytes= 1-2 ", 100, "bytes 1-2/100"},
		{"huge last is clamped", "bytes=1-99999999999999999999999", 100, "bytes 1-99/100"},
		{"huge suffix is whole object", "bytes=-99999999999999999999999", 100, "bytes 0-99/100"},

		{"first at end", "bytes=100-", 100, invalid},
		{"first past end", "bytes=200-300", 100, invalid},
		{"zero suffix", "bytes=-0", 100, invalid},
		{"empty object", "bytes=0-", 0, invalid},
		{"empty object suffix", "bytes=-1", 0, invalid},
		{"huge first", "bytes=99999999999999999999999-", 100, invalid},

		{"no header", "", 100, ignore},
		{"other unit", "items=0-1", 100, ignore},
		{"no equals", "bytes 0-1", 100, ignore},
		{"no dash", "bytes=5", 100, ignore},
		{"first after last", "bytes=10-5", 100, ignore},
		{"first after last and past end", "bytes=200-100", 100, ignore},
		{"multiple ranges", "bytes=0-1,5-6", 100, ignore},
		{"multiple ranges, one unsatisfiable", "bytes=0-1,500-600", 100, ignore},
		{"negative", "bytes=-5-10", 100, ignore},
		{"sign", "bytes=+1-2", 100, ignore},
		{"hex", "bytes=0x1-2", 100, ignore},
		{"empty spec", "bytes=", 100, ignore},
		{"dash only", "bytes=-", 100, ignore},
		{"inner space", "bytes=1 -2", 100, ignore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ParseRange(tt.header, tt.size)
			switch tt.want {
			case ignore:
				if r != nil || err != nil {
					t.Fatalf("got %+v, %v; want the header ignored", r, err)
				}
			case invalid:
				if r != nil {
					t.Fatalf("got range %+v, want InvalidRange", r)
				}
				var e *S3Error
				if !errors.As(err, &e) || e.Err.Code != S3InvalidRange || e.Err.Status != http.StatusRequestedRangeNotSatisfiable {
					t.Fatalf("got %v, want InvalidRange 416", err)
				}
				if got := e.Header.Get("Content-Range"); got != "bytes */"+strconv.FormatInt(tt.size, 10) {
					t.Errorf("Content-Range %q", got)
				}
			default:
				if err != nil || r == nil {
					t.Fatalf("got %+v, %v; want %s", r, err, tt.want)
				}
				if got := r.ContentRange(); got != tt.want {
					t.Errorf("Content-Range %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=-5", "bytes=5-", "bytes=0-1,2-3", "bytes=9-1", "bytes=-0", "Bytes=1-", "x=1-2", "bytes=99999999999999999999-"} {
		for _, size := range []int64{0, 1, 10, 1 << 40} {
			f.Add(s, size)
		}
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -(size + 1)
		}
		r, err := ParseRange(h, size)
		if err != nil {
			var e *S3Error
			if r != nil || !errors.As(err, &e) || e.Err.Code != S3InvalidRange {
				t.Fatalf("ParseRange(%q, %d) = %+v, %v", h, size, r, err)
			}
			return
		}
		if r == nil {
			return
		}
		if r.Size != size || r.Start < 0 || r.Length < 1 || r.Start > size-r.Length || r.End() >= size {
			t.Fatalf("ParseRange(%q, %d) = %+v: not within the object", h, size, r)
		}
		// The Content-Range parses back to the same range.
		cr := r.ContentRange()
		var s, e, n int64
		if _, err := fmtSscanContentRange(cr, &s, &e, &n); err != nil || s != r.Start || e != r.End() || n != size {
			t.Fatalf("Content-Range %q does not describe %+v", cr, r)
		}
		// A satisfiable range stated explicitly gives the same range.
		again, err := ParseRange("bytes="+strconv.FormatInt(r.Start, 10)+"-"+strconv.FormatInt(r.End(), 10), size)
		if err != nil || again == nil || *again != *r {
			t.Fatalf("canonical form of %q gives %+v, %v", h, again, err)
		}
		if r.Length > math.MaxInt64-r.Start {
			t.Fatal("overflow")
		}
	})
}

func fmtSscanContentRange(cr string, s, e, n *int64) (int, error) {
	rest, ok := strings.CutPrefix(cr, "bytes ")
	if !ok {
		return 0, errors.New("no unit")
	}
	se, ns, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, errors.New("no size")
	}
	ss, es, ok := strings.Cut(se, "-")
	if !ok {
		return 0, errors.New("no dash")
	}
	var err error
	if *s, err = strconv.ParseInt(ss, 10, 64); err != nil {
		return 0, err
	}
	if *e, err = strconv.ParseInt(es, 10, 64); err != nil {
		return 1, err
	}
	if *n, err = strconv.ParseInt(ns, 10, 64); err != nil {
		return 2, err
	}
	return 3, nil
}
