package awsproto

// The REST-XML bodies of S3. Responses are the XML declaration and one
// element in the S3 namespace; request bodies are read through a size cap,
// refused if they declare a DOCTYPE or entities, and decoded leniently the
// way S3 reads them: unknown elements are ignored, and the namespace may be
// S3's or absent. Every failure is MalformedXML (400), an empty body is
// MissingRequestBodyError (400) and an oversized one MaxMessageLengthExceeded
// (400).

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// S3Namespace is the XML namespace of S3 request and response bodies.
const S3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// S3XMLContentType is the content type of S3 XML responses.
const S3XMLContentType = "application/xml"

// Body caps for the request bodies S3 takes. S3 documents none of them
// but the key count; these leave room for the largest valid bodies.
const (
	// MaxS3ConfigBody caps small configuration bodies (CreateBucket,
	// PutBucketEncryption).
	MaxS3ConfigBody = 64 << 10
	// MaxS3DeleteBody caps a DeleteObjects body: 1000 keys of up to
	// 1024 bytes each, every byte escaped as "&amp;", with version IDs,
	// ETags and markup.
	MaxS3DeleteBody = 8 << 20
	// MaxS3CompleteMultipartBody caps a CompleteMultipartUpload body:
	// 10000 parts with an ETag and checksums each.
	MaxS3CompleteMultipartBody = 4 << 20
)

// S3 limits on request bodies.
const (
	// MaxS3DeleteObjects is the most keys one DeleteObjects request names.
	MaxS3DeleteObjects = 1000
	// MaxS3Parts is the most parts of a multipart upload, and the
	// largest part number.
	MaxS3Parts = 10000
)

// S3Time is a timestamp as S3 writes it in XML: ISO 8601 in UTC with
// milliseconds, 2006-01-02T15:04:05.000Z. It reads any RFC 3339 time.
type S3Time time.Time

const s3TimeLayout = "2006-01-02T15:04:05.000Z"

// String returns t in S3's layout.
func (t S3Time) String() string { return time.Time(t).UTC().Format(s3TimeLayout) }

// MarshalText implements encoding.TextMarshaler.
func (t S3Time) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *S3Time) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	*t = S3Time(v)
	return nil
}

// MarshalS3XML returns the XML declaration followed by v. The root element
// is named by v's XMLName field (or its type) and, unless its tag names a
// namespace, is put in S3Namespace, as S3 does for every response body
// but errors.
func MarshalS3XML(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	start, err := s3RootElement(v)
	if err != nil {
		return nil, err
	}
	if err := enc.EncodeElement(v, start); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteS3XML writes v with MarshalS3XML and the given status. A value
// that does not marshal is a bug; it is reported as InternalError.
func WriteS3XML(w http.ResponseWriter, status int, v any) error {
	body, err := MarshalS3XML(v)
	if err != nil {
		return fmt.Errorf("awsproto: marshal %T: %w", v, err)
	}
	h := w.Header()
	h.Set("Content-Type", S3XMLContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err = w.Write(body)
	return err
}

func s3RootElement(v any) (xml.StartElement, error) {
	t := reflect.TypeOf(v)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() != reflect.Struct {
		return xml.StartElement{}, fmt.Errorf("awsproto: S3 XML body must be a struct, not %v", t)
	}
	name := xml.Name{Space: S3Namespace, Local: t.Name()}
	if f, ok := t.FieldByName("XMLName"); ok && f.Type == reflect.TypeFor[xml.Name]() {
		tag, _, _ := strings.Cut(f.Tag.Get("xml"), ",")
		if space, local, ok := strings.Cut(tag, " "); ok {
			name = xml.Name{Space: space, Local: local}
		} else if tag != "" {
			name.Local = tag
		}
	}
	return xml.StartElement{Name: name}, nil
}

// DecodeS3XML reads at most limit bytes of r and decodes them into v, a
// pointer to a struct whose XMLName tag names the root element without a
// namespace (S3's namespace, another or none are all accepted, as by S3).
// Unknown elements and attributes are ignored. It returns
//   - MissingRequestBodyError if the body is empty or only white space,
//   - MaxMessageLengthExceeded if it is longer than limit,
//   - MalformedXML if it is not one well-formed element of the expected
//     name, declares a DOCTYPE or entities, or has a value that does not
//     fit its field (a part number that is not an integer, say),
//
// each an *S3Error; and the error of r if reading fails.
func DecodeS3XML(r io.Reader, limit int64, v any) error {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return err
	}
	if int64(len(body)) > limit {
		return NewS3Error(S3MaxMessageLengthExceeded)
	}
	return UnmarshalS3XML(body, v)
}

// UnmarshalS3XML is DecodeS3XML on a body already read.
func UnmarshalS3XML(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return NewS3Error(S3MissingRequestBodyError)
	}
	if err := checkS3XML(body); err != nil {
		return NewS3Error(S3MalformedXML)
	}
	if err := xml.Unmarshal(body, v); err != nil {
		return NewS3Error(S3MalformedXML)
	}
	return nil
}

var errS3XMLShape = errors.New("not a single XML document")

// checkS3XML tokenizes the whole body: well-formed (tags match, entities
// are the five predefined ones or character references), no directive
// (DOCTYPE, ENTITY), one root element, nothing but white space, comments
// and processing instructions around it. xml.Unmarshal alone would stop
// at the end of the first element and accept trailing garbage.
func checkS3XML(body []byte) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	depth, roots := 0, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.Directive:
			return errS3XMLShape
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return errS3XMLShape
				}
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) != 0 {
				return errS3XMLShape
			}
		}
	}
	if roots != 1 || depth != 0 {
		return errS3XMLShape
	}
	return nil
}

// CreateBucketConfiguration is the body of CreateBucket. An empty body is
// valid for CreateBucket and means us-east-1: the caller decodes only a
// body it has.
type CreateBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint,omitempty"`
}

// CompleteMultipartUpload is the body of CompleteMultipartUpload.
type CompleteMultipartUpload struct {
	XMLName xml.Name        `xml:"CompleteMultipartUpload"`
	Parts   []CompletedPart `xml:"Part"`
}

// CompletedPart is one Part of a CompleteMultipartUpload body, with the
// members of the S3 model in its order.
type CompletedPart struct {
	ETag              string `xml:"ETag,omitempty"`
	ChecksumCRC32     string `xml:"ChecksumCRC32,omitempty"`
	ChecksumCRC32C    string `xml:"ChecksumCRC32C,omitempty"`
	ChecksumCRC64NVME string `xml:"ChecksumCRC64NVME,omitempty"`
	ChecksumSHA1      string `xml:"ChecksumSHA1,omitempty"`
	ChecksumSHA256    string `xml:"ChecksumSHA256,omitempty"`
	ChecksumSHA512    string `xml:"ChecksumSHA512,omitempty"`
	ChecksumMD5       string `xml:"ChecksumMD5,omitempty"`
	ChecksumXXHASH64  string `xml:"ChecksumXXHASH64,omitempty"`
	ChecksumXXHASH3   string `xml:"ChecksumXXHASH3,omitempty"`
	ChecksumXXHASH128 string `xml:"ChecksumXXHASH128,omitempty"`
	PartNumber        int32  `xml:"PartNumber"`
}

// Validate checks the parts list as S3 does before looking at any part:
// at least one part (MalformedXML), at most MaxS3Parts (MalformedXML),
// part numbers in 1..MaxS3Parts (InvalidArgument) and strictly ascending
// (InvalidPartOrder).
func (c *CompleteMultipartUpload) Validate() error {
	if len(c.Parts) == 0 || len(c.Parts) > MaxS3Parts {
		return NewS3Error(S3MalformedXML)
	}
	prev := int32(0)
	for _, p := range c.Parts {
		if p.PartNumber < 1 || p.PartNumber > MaxS3Parts {
			return NewS3Error(S3InvalidArgument).
				WithMessage("Part number must be an integer between 1 and 10000, inclusive").
				With("ArgumentName", "partNumber").
				With("ArgumentValue", strconv.Itoa(int(p.PartNumber)))
		}
		if p.PartNumber <= prev {
			return NewS3Error(S3InvalidPartOrder)
		}
		prev = p.PartNumber
	}
	return nil
}

// Delete is the body of DeleteObjects.
type Delete struct {
	XMLName xml.Name           `xml:"Delete"`
	Objects []ObjectIdentifier `xml:"Object"`
	Quiet   *bool              `xml:"Quiet,omitempty"`
}

// ObjectIdentifier is one Object of a Delete body. ETag makes the delete
// of that key conditional.
type ObjectIdentifier struct {
	Key       string `xml:"Key"`
	VersionId string `xml:"VersionId,omitempty"`
	ETag      string `xml:"ETag,omitempty"`
}

// Validate checks a Delete body: 1 to MaxS3DeleteObjects objects
// (MalformedXML otherwise, as S3 answers for 1001 keys) and no empty key
// (UserKeyMustBeSpecified).
func (d *Delete) Validate() error {
	if len(d.Objects) == 0 || len(d.Objects) > MaxS3DeleteObjects {
		return NewS3Error(S3MalformedXML)
	}
	for _, o := range d.Objects {
		if o.Key == "" {
			return NewS3Error(S3UserKeyMustBeSpecified)
		}
	}
	return nil
}

// IsQuiet reports whether Quiet is present and true.
func (d *Delete) IsQuiet() bool { return d.Quiet != nil && *d.Quiet }

// ServerSideEncryptionConfiguration is the body of PutBucketEncryption
// and of the GetBucketEncryption response.
type ServerSideEncryptionConfiguration struct {
	XMLName xml.Name                   `xml:"ServerSideEncryptionConfiguration"`
	Rules   []ServerSideEncryptionRule `xml:"Rule"`
}

// ServerSideEncryptionRule is one Rule of a
// ServerSideEncryptionConfiguration.
type ServerSideEncryptionRule struct {
	ApplyServerSideEncryptionByDefault *ServerSideEncryptionByDefault `xml:"ApplyServerSideEncryptionByDefault,omitempty"`
	BucketKeyEnabled                   *bool                          `xml:"BucketKeyEnabled,omitempty"`
	BlockedEncryptionTypes             *BlockedEncryptionTypes        `xml:"BlockedEncryptionTypes,omitempty"`
}

// BlockedEncryptionTypes lists the encryption types a bucket refuses for
// new objects: "SSE-C", or "NONE" to block nothing (model enum
// EncryptionType).
type BlockedEncryptionTypes struct {
	EncryptionType []string `xml:"EncryptionType"`
}

// Encryption types of BlockedEncryptionTypes.
const (
	EncryptionTypeNone = "NONE"
	EncryptionTypeSSEC = "SSE-C"
)

// Blocks reports whether the rule blocks encryption type t.
func (r ServerSideEncryptionRule) Blocks(t string) bool {
	if r.BlockedEncryptionTypes == nil {
		return false
	}
	for _, b := range r.BlockedEncryptionTypes.EncryptionType {
		if b == t {
			return true
		}
	}
	return false
}

// ServerSideEncryptionByDefault names the default encryption of a bucket.
type ServerSideEncryptionByDefault struct {
	SSEAlgorithm   string `xml:"SSEAlgorithm"`
	KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
}

// Server-side encryption algorithms of the S3 model (enum
// ServerSideEncryption) that Coffer accepts.
const (
	SSEAlgorithmAES256  = "AES256"
	SSEAlgorithmKMS     = "aws:kms"
	SSEAlgorithmKMSDSSE = "aws:kms:dsse"
)

// Validate checks a ServerSideEncryptionConfiguration: exactly one Rule
// (MalformedXML otherwise), an SSEAlgorithm of the model's enum that
// Coffer serves (MalformedXML, as a schema failure), and KMSMasterKeyID
// only with aws:kms or aws:kms:dsse (InvalidArgument).
func (c *ServerSideEncryptionConfiguration) Validate() error {
	if len(c.Rules) != 1 {
		return NewS3Error(S3MalformedXML)
	}
	if bt := c.Rules[0].BlockedEncryptionTypes; bt != nil {
		for _, t := range bt.EncryptionType {
			switch t {
			case EncryptionTypeNone, EncryptionTypeSSEC:
			default:
				return NewS3Error(S3MalformedXML) // not in the schema's enum
			}
			if t == EncryptionTypeNone && len(bt.EncryptionType) > 1 {
				return NewS3Error(S3InvalidArgument).
					WithMessage("The encryption type NONE cannot be combined with other encryption types.").
					With("ArgumentName", "BlockedEncryptionTypes")
			}
		}
	}
	d := c.Rules[0].ApplyServerSideEncryptionByDefault
	if d == nil {
		return nil
	}
	switch d.SSEAlgorithm {
	case SSEAlgorithmAES256:
		if d.KMSMasterKeyID != "" {
			return NewS3Error(S3InvalidArgument).
				WithMessage("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").
				With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
	case SSEAlgorithmKMS, SSEAlgorithmKMSDSSE:
	default:
		return NewS3Error(S3MalformedXML)
	}
	return nil
}
