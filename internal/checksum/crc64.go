package checksum

import (
	"encoding/binary"
	"hash"
	"sync"
)

// CRC-64/NVME, the CRC that S3 calls CRC64NVME (NVM Express Base
// Specification 2.0, section 5.2.1.3.4 "64b CRC"; also the Rocksoft
// polynomial). Parameters in the CRC catalogue's terms:
//
//	width=64 poly=0xad93d23594c93659 init=0xffffffffffffffff
//	refin=true refout=true xorout=0xffffffffffffffff
//	check=0xae8b14860a799888 (the CRC of "123456789")
//
// Being reflected, the implementation uses the bit-reversed polynomial.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

// Size64 is the size of a CRC-64 checksum in bytes.
const size64 = 8

// crc64Tables holds slicing-by-8 tables for the NVME polynomial: t[0] is the
// classic byte-at-a-time table, t[k][b] advances t[0][b] by k more zero bytes.
var crc64Tables = sync.OnceValue(func() *[8][256]uint64 {
	var t [8][256]uint64
	for i := range 256 {
		c := uint64(i)
		for range 8 {
			if c&1 == 1 {
				c = c>>1 ^ crc64NVMEPoly
			} else {
				c >>= 1
			}
		}
		t[0][i] = c
	}
	for i := range 256 {
		c := t[0][i]
		for k := 1; k < 8; k++ {
			c = t[0][c&0xff] ^ c>>8
			t[k][i] = c
		}
	}
	return &t
})

// updateCRC64NVME continues crc (a finished CRC value, as returned by a
// previous call, 0 for the empty string) over p.
func updateCRC64NVME(crc uint64, p []byte) uint64 {
	t := crc64Tables()
	crc = ^crc
	for len(p) >= 8 {
		crc ^= binary.LittleEndian.Uint64(p)
		crc = t[7][crc&0xff] ^
			t[6][crc>>8&0xff] ^
			t[5][crc>>16&0xff] ^
			t[4][crc>>24&0xff] ^
			t[3][crc>>32&0xff] ^
			t[2][crc>>40&0xff] ^
			t[1][crc>>48&0xff] ^
			t[0][crc>>56]
		p = p[8:]
	}
	for _, b := range p {
		crc = t[0][byte(crc)^b] ^ crc>>8
	}
	return ^crc
}

// crc64NVME is a hash.Hash64 computing CRC-64/NVME.
type crc64NVME struct{ crc uint64 }

var _ hash.Hash64 = (*crc64NVME)(nil)

func (d *crc64NVME) Write(p []byte) (int, error) {
	d.crc = updateCRC64NVME(d.crc, p)
	return len(p), nil
}
func (d *crc64NVME) Sum64() uint64  { return d.crc }
func (d *crc64NVME) Reset()         { d.crc = 0 }
func (d *crc64NVME) Size() int      { return size64 }
func (d *crc64NVME) BlockSize() int { return 1 }
func (d *crc64NVME) Sum(in []byte) []byte {
	return binary.BigEndian.AppendUint64(in, d.crc)
}

// NewCRC64NVME returns a hash.Hash64 computing CRC-64/NVME. Its Sum appends
// the checksum big-endian, the byte order S3 base64-encodes.
func NewCRC64NVME() hash.Hash64 { return &crc64NVME{} }
