package awsproto

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

type sample struct {
	KeyId         string
	Plaintext     []byte
	NumberOfBytes *int32
	Context       map[string]string
	DryRun        bool
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantCode string
	}{
		{name: "empty body is an empty object", body: ""},
		{name: "valid", body: `{"KeyId":"k","Plaintext":"aGVsbG8=","NumberOfBytes":32,"Context":{"a":"b"},"DryRun":true}`},
		{name: "unknown members are ignored", body: `{"Nope":1}`},
		{name: "not json", body: `{"KeyId":`, wantCode: CodeSerialization},
		{name: "string for number", body: `{"NumberOfBytes":"32"}`, wantCode: CodeSerialization},
		{name: "bad base64", body: `{"Plaintext":"!!!"}`, wantCode: CodeSerialization},
		{name: "array for object", body: `[1,2]`, wantCode: CodeSerialization},
		{name: "number overflow", body: `{"NumberOfBytes":99999999999}`, wantCode: CodeSerialization},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s sample
			err := DecodeJSON([]byte(tt.body), &s)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("DecodeJSON: %v", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) || ae.Code != tt.wantCode || ae.Status != http.StatusBadRequest || ae.Message == "" {
				t.Fatalf("DecodeJSON error = %v, want %s 400 with a message", err, tt.wantCode)
			}
		})
	}
}

func TestWriteJSONError(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteJSONError(rec, Errorf("NotFoundException", 400, "Key '%s' does not exist", "x"))
	if rec.Code != 400 || rec.Header().Get("Content-Type") != JSONContentType || rec.Header().Get("X-Amzn-ErrorType") != "NotFoundException" {
		t.Fatalf("got %d %v", rec.Code, rec.Header())
	}
	var body map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	if body["__type"] != "NotFoundException" || body["message"] != "Key 'x' does not exist" {
		t.Fatalf("body = %v", body)
	}
}

func TestAsHidesInternalErrors(t *testing.T) {
	e := As(errors.New("secret detail"))
	if e.Status != 500 || strings.Contains(e.Message, "secret") {
		t.Fatalf("As = %+v", e)
	}
}

func TestTimestamp(t *testing.T) {
	ts := Timestamp(time.UnixMilli(1700000000123))
	b, err := ts.MarshalJSON()
	if err != nil || string(b) != "1700000000.123" {
		t.Fatalf("MarshalJSON = %s, %v", b, err)
	}
	var back Timestamp
	if err := back.UnmarshalJSON(b); err != nil || time.Time(back).UnixMilli() != 1700000000123 {
		t.Fatalf("UnmarshalJSON = %v, %v", time.Time(back), err)
	}
}

// FuzzDecodeJSON: any body either decodes or yields a SerializationException;
// it never panics.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"KeyId":"k","Plaintext":"aGVsbG8=","NumberOfBytes":32,"Context":{"a":"b"}}`))
	f.Add([]byte(`{"Plaintext":"!!"}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var s sample
		err := DecodeJSON(body, &s)
		if err == nil {
			return
		}
		var ae *Error
		if !errors.As(err, &ae) || ae.Code != CodeSerialization {
			t.Fatalf("DecodeJSON(%q) = %v, want a SerializationException", body, err)
		}
	})
}
