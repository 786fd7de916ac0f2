package bench

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

func TestStringField(t *testing.T) {
	tests := []struct {
		name, body, field string
		want              string
		found, wantErr    bool
	}{
		{name: "first", body: `{"CiphertextBlob":"AQID","KeyId":"k"}`, field: "CiphertextBlob", want: "AQID", found: true},
		{name: "after others", body: `{"KeyId":"arn:aws:kms:us-east-1:111122223333:key/x","EncryptionAlgorithm":"SYMMETRIC_DEFAULT","Plaintext":"AAAA"}`, field: "Plaintext", want: "AAAA", found: true},
		{name: "spaces", body: " {\n \"a\" : 1 ,\t\"Plaintext\" : \"QQ==\" }", field: "Plaintext", want: "QQ==", found: true},
		{name: "skips nested", body: `{"KeyMetadata":{"Plaintext":"no","x":[1,"}",{"y":"]"}]},"Plaintext":"yes"}`, field: "Plaintext", want: "yes", found: true},
		{name: "key inside a value", body: `{"a":"\"Plaintext\":\"no\"","Plaintext":"yes"}`, field: "Plaintext", want: "yes", found: true},
		{name: "escaped slash", body: `{"Plaintext":"ab\/cd"}`, field: "Plaintext", want: "ab/cd", found: true},
		{name: "literals", body: `{"a":true,"b":null,"c":-1.5e3,"Plaintext":"x"}`, field: "Plaintext", want: "x", found: true},
		{name: "absent", body: `{"KeyId":"k"}`, field: "Plaintext"},
		{name: "empty object", body: `{}`, field: "Plaintext"},
		{name: "not a string", body: `{"Plaintext":12}`, field: "Plaintext", wantErr: true},
		{name: "not an object", body: `["Plaintext","x"]`, field: "Plaintext", wantErr: true},
		{name: "truncated", body: `{"KeyId":"k","Plain`, field: "Plaintext", wantErr: true},
		{name: "unterminated value", body: `{"Plaintext":"abc`, field: "Plaintext", wantErr: true},
		{name: "empty", body: ``, field: "Plaintext", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, found, err := stringField([]byte(tt.body), tt.field)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if found != tt.found || string(got) != tt.want {
				t.Errorf("got %q, %v; want %q, %v", got, found, tt.want, tt.found)
			}
		})
	}
}

// FuzzStringField checks that stringField never panics and, on a valid JSON
// object, agrees with encoding/json.
func FuzzStringField(f *testing.F) {
	f.Add([]byte(`{"CiphertextBlob":"AQID","KeyId":"k"}`))
	f.Add([]byte(`{"a":{"b":["c",1]},"Plaintext":"ab\/cd"}`))
	f.Add([]byte(`{"__type":"NotFoundException","message":"no such key"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, found, err := stringField(body, "Plaintext")
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil || err != nil {
			return
		}
		raw, ok := m["Plaintext"]
		if ok != found {
			t.Fatalf("found = %v, encoding/json says %v", found, ok)
		}
		var want string
		// encoding/json replaces invalid UTF-8; stringField passes it on
		// (base64 decoding rejects it next).
		if ok && utf8.Valid(got) && json.Unmarshal(raw, &want) == nil && string(got) != want {
			t.Fatalf("got %q, encoding/json says %q", got, want)
		}
	})
}
