package keyring

import (
	"crypto/rand"
	"testing"
)

var benchSignAlg = map[string]string{SpecRSA2048: AlgPSSSHA256, SpecRSA3072: AlgPSSSHA256, SpecRSA4096: AlgPSSSHA256,
	SpecP256: AlgECDSASHA256, SpecP384: AlgECDSASHA384, SpecP521: AlgECDSASHA512, SpecSECP256K1: AlgECDSASHA256,
	SpecEd25519: AlgEd25519, SpecMLDSA44: AlgMLDSA, SpecMLDSA65: AlgMLDSA, SpecMLDSA87: AlgMLDSA}

// BenchmarkSign signs a 1 KiB RAW message (the hash is included) with each
// key spec, as the Sign operation does after its key lookup.
//
//	go test -run '^$' -bench 'Sign|Verify' -benchmem ./internal/keyring/
func BenchmarkSign(b *testing.B) {
	msg := make([]byte, 1024)
	for _, spec := range allAsymSpecs {
		b.Run(spec, func(b *testing.B) {
			k, alg := asymKey(b, spec), benchSignAlg[spec]
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if _, err := k.Sign(rand.Reader, alg, MessageRaw, msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerify verifies a signature over a 1 KiB RAW message.
func BenchmarkVerify(b *testing.B) {
	msg := make([]byte, 1024)
	for _, spec := range allAsymSpecs {
		b.Run(spec, func(b *testing.B) {
			k, alg := asymKey(b, spec), benchSignAlg[spec]
			sig, err := k.Sign(rand.Reader, alg, MessageRaw, msg)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(msg)))
			for b.Loop() {
				if err := k.Verify(alg, MessageRaw, msg, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGenerateDataKeyPair is the work of GenerateDataKeyPair per key
// pair spec: generate the pair, encode the PKCS#8 private key and the SPKI
// public key, and seal the private key in a ciphertext blob. RSA key
// generation dominates and varies widely from run to run (prime search);
// run RSA with a fixed count: -benchtime=20x.
func BenchmarkGenerateDataKeyPair(b *testing.B) {
	sym, err := NewSymmetricKey(make([]byte, 32))
	if err != nil {
		b.Fatal(err)
	}
	h := BlobHeader{Account: "111122223333", KeyID: "1234abcd-12ab-34cd-56ef-1234567890ab", MaterialVersion: 1}
	for _, spec := range []string{SpecRSA2048, SpecRSA3072, SpecRSA4096, SpecP256, SpecP384, SpecP521, SpecSECP256K1, SpecEd25519} {
		b.Run(spec, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				k, err := GenerateKeyPair(rand.Reader, spec)
				if err != nil {
					b.Fatal(err)
				}
				der, err := k.MarshalPKCS8()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sym.Seal(rand.Reader, h, "us-east-1", nil, der); err != nil {
					b.Fatal(err)
				}
				clear(der)
				k.Zero()
			}
		})
	}
}
