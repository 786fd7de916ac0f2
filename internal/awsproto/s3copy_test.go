package awsproto

import (
	"errors"
	"testing"
)

func TestParseCopySource(t *testing.T) {
	for _, tc := range []struct {
		name, in            string
		bucket, key, verID  string
		wantErr, wantArgMsg string
	}{
		{name: "plain", in: "src/dir/obj", bucket: "src", key: "dir/obj"},
		{name: "leading slash", in: "/src/obj", bucket: "src", key: "obj"},
		{name: "escaped", in: "src/a%20b%2Fc%3F", bucket: "src", key: "a b/c?"},
		{name: "version", in: "src/obj?versionId=null", bucket: "src", key: "obj", verID: "null"},
		{name: "no key", in: "src", wantErr: S3InvalidArgument, wantArgMsg: msgCopySource},
		{name: "empty key", in: "src/", wantErr: S3InvalidArgument, wantArgMsg: msgCopySource},
		{name: "empty bucket", in: "/obj", wantErr: S3InvalidArgument, wantArgMsg: msgCopySource},
		{name: "empty", in: "", wantErr: S3InvalidArgument, wantArgMsg: msgCopySource},
		{name: "bad escape", in: "src/%zz", wantErr: S3InvalidArgument, wantArgMsg: "Invalid copy source encoding"},
		{name: "other parameter", in: "src/obj?foo=bar", wantErr: S3InvalidArgument, wantArgMsg: msgCopySource},
		{name: "empty version", in: "src/obj?versionId=", wantErr: S3InvalidArgument, wantArgMsg: "Invalid version id specified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, err := ParseCopySource(tc.in)
			if tc.wantErr != "" {
				var e *S3Error
				if !errors.As(err, &e) || e.Err.Code != tc.wantErr || e.Err.Message != tc.wantArgMsg {
					t.Fatalf("ParseCopySource(%q) = %v, want %s %q", tc.in, err, tc.wantErr, tc.wantArgMsg)
				}
				return
			}
			if err != nil || cs.Bucket != tc.bucket || cs.Key != tc.key || cs.VersionID != tc.verID {
				t.Fatalf("ParseCopySource(%q) = %+v, %v", tc.in, cs, err)
			}
		})
	}
}

func TestParseCopySourceRange(t *testing.T) {
	for _, tc := range []struct {
		name, in      string
		size          int64
		start, length int64
		wantMsg       string
	}{
		{name: "whole", in: "bytes=0-9", size: 10, start: 0, length: 10},
		{name: "one byte", in: "bytes=5-5", size: 10, start: 5, length: 1},
		{name: "last past end", in: "bytes=0-10", size: 10, wantMsg: "Range specified is not valid for source object of size: 10"},
		{name: "first past end", in: "bytes=20-30", size: 10, wantMsg: "Range specified is not valid for source object of size: 10"},
		{name: "huge", in: "bytes=0-99999999999999999999", size: 10, wantMsg: "Range specified is not valid for source object of size: 10"},
		{name: "reversed", in: "bytes=5-2", size: 10, wantMsg: msgCopySourceRange},
		{name: "no unit", in: "0-2", size: 10, wantMsg: msgCopySourceRange},
		{name: "open end", in: "bytes=0-", size: 10, wantMsg: msgCopySourceRange},
		{name: "suffix", in: "bytes=-5", size: 10, wantMsg: msgCopySourceRange},
		{name: "several", in: "bytes=0-2,3-5", size: 10, wantMsg: msgCopySourceRange},
		{name: "words", in: "bytes=hello-world", size: 10, wantMsg: msgCopySourceRange},
		{name: "sign", in: "bytes=+1-2", size: 10, wantMsg: msgCopySourceRange},
		{name: "spaces", in: "bytes= 1-2", size: 10, wantMsg: msgCopySourceRange},
		{name: "empty object", in: "bytes=0-0", size: 0, wantMsg: "Range specified is not valid for source object of size: 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseCopySourceRange(tc.in, tc.size)
			if tc.wantMsg != "" {
				var e *S3Error
				if !errors.As(err, &e) || e.Err.Code != S3InvalidArgument || e.Err.Status != 400 || e.Err.Message != tc.wantMsg {
					t.Fatalf("ParseCopySourceRange(%q) = %v, want InvalidArgument %q", tc.in, err, tc.wantMsg)
				}
				return
			}
			if err != nil || r.Start != tc.start || r.Length != tc.length || r.Size != tc.size {
				t.Fatalf("ParseCopySourceRange(%q) = %+v, %v", tc.in, r, err)
			}
		})
	}
}

func FuzzParseCopySource(f *testing.F) {
	for _, s := range []string{"src/obj", "/src/a%20b", "src/obj?versionId=null", "src", "%zz/x", "a/b?c=d&versionId=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		cs, err := ParseCopySource(v)
		if err != nil {
			var e *S3Error
			if !errors.As(err, &e) || e.Err.Status != 400 {
				t.Fatalf("ParseCopySource(%q): non-S3 error %v", v, err)
			}
			return
		}
		if cs.Bucket == "" || cs.Key == "" {
			t.Fatalf("ParseCopySource(%q) = %+v: empty bucket or key", v, cs)
		}
		back, err := ParseCopySource(cs.String())
		if err != nil || back != cs {
			t.Fatalf("round trip of %q: %q -> %+v, %v; want %+v", v, cs.String(), back, err, cs)
		}
	})
}

func FuzzParseCopySourceRange(f *testing.F) {
	for _, s := range []string{"bytes=0-9", "bytes=5-2", "bytes=0-", "bytes=-1", "0-1", "bytes=00-01"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			size = -size
		}
		r, err := ParseCopySourceRange(v, size)
		if err != nil {
			var e *S3Error
			if !errors.As(err, &e) || e.Err.Code != S3InvalidArgument {
				t.Fatalf("ParseCopySourceRange(%q, %d): %v", v, size, err)
			}
			return
		}
		if r.Start < 0 || r.Length < 1 || r.Start+r.Length > size {
			t.Fatalf("ParseCopySourceRange(%q, %d) = %+v outside the source", v, size, r)
		}
	})
}
