package envelope

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

var update = flag.Bool("update", false, "rewrite testdata/v1-*.txt from the vectors' inputs")

// fakeKMS is a deterministic KMS for the known-answer vectors and the
// fuzzer only: one data key, one blob, one key id. Round trips and
// tampering are tested against a real Coffer (envelope_test.go).
type fakeKMS struct {
	dataKey []byte
	blob    []byte
	keyID   string
	encCtx  map[string]string
}

var _ KMS = (*fakeKMS)(nil)

func (f *fakeKMS) GenerateDataKey(_ context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if in.KeySpec != types.DataKeySpecAes256 || !maps.Equal(in.EncryptionContext, f.encCtx) {
		return nil, fmt.Errorf("fake GenerateDataKey: unexpected input")
	}
	return &kms.GenerateDataKeyOutput{Plaintext: bytes.Clone(f.dataKey), CiphertextBlob: bytes.Clone(f.blob), KeyId: aws.String(f.keyID)}, nil
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if !bytes.Equal(in.CiphertextBlob, f.blob) || !maps.Equal(in.EncryptionContext, f.encCtx) {
		return nil, &types.InvalidCiphertextException{Message: aws.String("fake")}
	}
	return &kms.DecryptOutput{Plaintext: bytes.Clone(f.dataKey), KeyId: aws.String(f.keyID)}, nil
}

// vector is one known-answer file: "name: value" lines, "#" comments.
// plaintext is hex, or "pattern N" for N bytes with byte i = i mod 251;
// envelope is hex, or given as envelope_len and envelope_sha256.
type vector struct {
	comment   string
	dataKey   []byte
	keyID     string
	blob      []byte
	context   map[string]string
	salt      []byte
	plaintext string
	envelope  []byte // if short
	envLen    int
	envSHA256 string
	header    []byte
}

func (v *vector) plain() []byte {
	if n, ok := strings.CutPrefix(v.plaintext, "pattern "); ok {
		size, _ := strconv.Atoi(n)
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i % 251)
		}
		return b
	}
	b, _ := hex.DecodeString(v.plaintext)
	return b
}

func (v *vector) kms() *fakeKMS {
	return &fakeKMS{dataKey: v.dataKey, blob: v.blob, keyID: v.keyID, encCtx: v.context}
}

func readVector(t testing.TB, path string) *vector {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v := &vector{}
	hexOf := func(s string) []byte {
		b, err := hex.DecodeString(s)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		return b
	}
	for line := range strings.Lines(string(data)) {
		line = strings.TrimRight(line, "\n")
		if c, ok := strings.CutPrefix(line, "#"); ok {
			v.comment += strings.TrimPrefix(c, " ") + "\n"
			continue
		}
		name, val, ok := strings.Cut(line, ": ")
		if !ok {
			if line != "" {
				t.Fatalf("%s: bad line %q", path, line)
			}
			continue
		}
		switch name {
		case "data_key":
			v.dataKey = hexOf(val)
		case "key_id":
			v.keyID = val
		case "blob":
			v.blob = hexOf(val)
		case "context":
			k, val, _ := strings.Cut(val, "=")
			if v.context == nil {
				v.context = map[string]string{}
			}
			v.context[k] = val
		case "salt":
			v.salt = hexOf(val)
		case "plaintext":
			v.plaintext = val
		case "envelope":
			v.envelope = hexOf(val)
		case "envelope_len":
			v.envLen, _ = strconv.Atoi(val)
		case "envelope_sha256":
			v.envSHA256 = val
		case "header":
			v.header = hexOf(val)
		default:
			t.Fatalf("%s: unknown field %q", path, name)
		}
	}
	return v
}

func (v *vector) write(path string, env []byte, hdr []byte) error {
	var b strings.Builder
	for line := range strings.Lines(v.comment) {
		b.WriteString("# " + line)
	}
	fmt.Fprintf(&b, "data_key: %x\nkey_id: %s\nblob: %x\n", v.dataKey, v.keyID, v.blob)
	for _, k := range slices.Sorted(maps.Keys(v.context)) {
		fmt.Fprintf(&b, "context: %s=%s\n", k, v.context[k])
	}
	fmt.Fprintf(&b, "salt: %x\nplaintext: %s\nheader: %x\n", v.salt, v.plaintext, hdr)
	if len(env) <= 512 {
		fmt.Fprintf(&b, "envelope: %x\n", env)
	} else {
		fmt.Fprintf(&b, "envelope_len: %d\nenvelope_sha256: %x\n", len(env), sha256.Sum256(env))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// TestVectors encrypts each known-answer file's inputs with its salt and
// a fake KMS and checks the bytes; then decrypts the envelope back.
func TestVectors(t *testing.T) {
	files, _ := filepath.Glob("testdata/v1-*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/v1-*.txt")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			v := readVector(t, path)
			pt := v.plain()
			var env bytes.Buffer
			if err := encrypt(context.Background(), v.kms(), bytes.NewReader(v.salt), "alias/vector", v.context, &env, bytes.NewReader(pt)); err != nil {
				t.Fatal(err)
			}
			h, err := parseHeaderBytes(env.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			hdr, _ := h.marshal()
			if *update {
				if err := v.write(path, env.Bytes(), hdr); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !bytes.Equal(hdr, v.header) {
				t.Errorf("header:\n got %x\nwant %x", hdr, v.header)
			}
			if v.envelope != nil {
				if !bytes.Equal(env.Bytes(), v.envelope) {
					t.Errorf("envelope:\n got %x\nwant %x", env.Bytes(), v.envelope)
				}
			} else if sum := sha256.Sum256(env.Bytes()); env.Len() != v.envLen || hex.EncodeToString(sum[:]) != v.envSHA256 {
				t.Errorf("envelope: %d bytes sha256 %x, want %d bytes %s", env.Len(), sum, v.envLen, v.envSHA256)
			}
			var got bytes.Buffer
			if err := Decrypt(context.Background(), v.kms(), &got, bytes.NewReader(env.Bytes())); err != nil || !bytes.Equal(got.Bytes(), pt) {
				t.Errorf("Decrypt = %d bytes, %v", got.Len(), err)
			}
		})
	}
}

// TestContextEncodingInjective: {"ab":"c"} and {"a":"bc"} (local-kms's
// collision) and other near pairs encode differently.
func TestContextEncodingInjective(t *testing.T) {
	ctxs := []map[string]string{nil, {"ab": "c"}, {"a": "bc"}, {"abc": ""}, {"": "abc"}, {"a": "b", "c": ""}, {"a": "", "b": "c"}}
	seen := map[string]int{}
	for i, c := range ctxs {
		h := header{KeyID: "k", Blob: []byte{1}, Context: c}
		b, err := h.marshalWithoutMAC()
		if err != nil {
			t.Fatal(err)
		}
		if j, dup := seen[string(b)]; dup {
			t.Errorf("contexts %v and %v encode the same", ctxs[j], c)
		}
		seen[string(b)] = i
	}
}

// TestHeaderRejects: malformed headers are ErrInvalid, an unknown version
// is errUnsupported, and neither reaches KMS.
func TestHeaderRejects(t *testing.T) {
	good := header{KeyID: "k", Blob: []byte{1, 2}, Context: map[string]string{"a": "1", "b": "2"}}
	gb, _ := good.marshal()
	ctxAt := len(magic) + 1 + 2 + 1 + 2 + 2
	unsorted := bytes.Clone(gb)
	// swap the two context pairs: "b"="2" before "a"="1"
	copy(unsorted[ctxAt+2:], []byte{0, 1, 'b', 0, 1, '2', 0, 1, 'a', 0, 1, '1'})
	dup := bytes.Clone(gb)
	copy(dup[ctxAt+2:], []byte{0, 1, 'a', 0, 1, '1', 0, 1, 'a', 0, 1, '2'})
	v2 := bytes.Clone(gb)
	v2[len(magic)] = 2
	for name, in := range map[string][]byte{
		"empty":            nil,
		"magic only":       []byte(magic),
		"not an envelope":  []byte("hello, world, this is plaintext"),
		"unsorted context": unsorted,
		"duplicate key":    dup,
		"no mac":           gb[:len(gb)-macSize],
		"long field":       append([]byte(magic+"\x01\xff\xff"), make([]byte, 100)...),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseHeaderBytes(in)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("parseHeader = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := parseHeaderBytes(v2); !errors.Is(err, errUnsupported) {
		t.Errorf("version 2: %v, want errUnsupported", err)
	}
	if h, err := parseHeaderBytes(gb); err != nil || !maps.Equal(h.Context, good.Context) {
		t.Errorf("good header: %v %v", h, err)
	}
}

// FuzzDecryptHeader: parsing never panics; what parses marshals back to
// the same bytes (one encoding per header); Decrypt with the fake KMS of
// the seed vectors never panics and never writes without success.
func FuzzDecryptHeader(f *testing.F) {
	files, _ := filepath.Glob("testdata/v1-*.txt")
	var fk *fakeKMS
	for _, path := range files {
		v := readVector(f, path)
		if v.envelope != nil {
			f.Add(v.envelope)
			fk = v.kms()
		}
		f.Add(v.header)
	}
	f.Add([]byte(magic + "\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		br := bufio.NewReader(bytes.NewReader(in))
		h, err := parseHeader(br)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, errUnsupported) {
				t.Fatalf("parseHeader error %v is neither ErrInvalid nor errUnsupported", err)
			}
		} else {
			b, err := h.marshal()
			if err != nil {
				t.Fatalf("marshal of a parsed header: %v", err)
			}
			if !bytes.Equal(b, in[:len(b)]) {
				t.Fatalf("parse → marshal:\n got %x\nwant %x", b, in[:len(b)])
			}
		}
		if fk != nil {
			var out bytes.Buffer
			err := Decrypt(context.Background(), fk, &out, bytes.NewReader(in))
			if err != nil && !errors.Is(err, ErrInvalid) && !errors.Is(err, errUnsupported) {
				t.Fatalf("Decrypt error %v", err)
			}
			if err == nil && h == nil {
				t.Fatal("Decrypt succeeded on an unparsable header")
			}
		}
	})
}
