package checksum

import (
	"hash/crc32"
	"sync"
)

// CRC combination: given crc(A), crc(B) and len(B), compute crc(A||B)
// without the data. This is zlib's crc32_combine (Mark Adler, zlib 1.2.x
// crc32.c: gf2_matrix_times / gf2_matrix_square), generalised to 64-bit
// CRCs. It holds for any reflected CRC whose init equals its xorout, which
// is the case for CRC-32, CRC-32C and CRC-64/NVME (all ones):
//
//	crc(A||B) = M^(8·len(B)) · crc(A)  xor  crc(B)
//
// where M is the linear operator "feed one zero bit" on the register. The
// all-ones init and xorout cancel between the two terms. M^(8n) is built by
// repeated squaring, so the cost is O(log n) matrix squarings of width^2
// bit operations, independent of the data size. The powers are computed
// once per CRC and cached, so one combination costs at most 63 products of a
// width×width matrix by a vector.

// gf2Times multiplies the width×width GF(2) matrix mat (columns as words) by
// the vector vec.
func gf2Times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

// gf2Square sets square = mat·mat.
func gf2Square(square, mat []uint64) {
	for n := range mat {
		square[n] = gf2Times(mat, mat[n])
	}
}

// zeroOps holds, for one CRC, the operators that feed 2^k zero bytes
// through the register, k = 0..62 (enough for any non-negative int64
// length). They are built once per CRC by repeated squaring; a combination
// is then at most 63 matrix-vector products.
type zeroOps struct {
	width int
	ops   [63][]uint64
}

func newZeroOps(width int, poly uint64) *zeroOps {
	z := &zeroOps{width: width}
	// Operator for one zero bit: shift right, folding in poly when the
	// low bit falls out (reflected CRC).
	bit := make([]uint64, width)
	bit[0] = poly
	for n := 1; n < width; n++ {
		bit[n] = 1 << (n - 1)
	}
	// Square three times: 2, 4, 8 zero bits = one zero byte.
	cur := bit
	for range 3 {
		next := make([]uint64, width)
		gf2Square(next, cur)
		cur = next
	}
	z.ops[0] = cur
	for k := 1; k < len(z.ops); k++ {
		next := make([]uint64, width)
		gf2Square(next, z.ops[k-1])
		z.ops[k] = next
	}
	return z
}

// combine returns crc(A||B) from crc1 = crc(A), crc2 = crc(B), len2 = len(B).
func (z *zeroOps) combine(crc1, crc2 uint64, len2 int64) uint64 {
	for k := 0; len2 > 0; k, len2 = k+1, len2>>1 {
		if len2&1 != 0 {
			crc1 = gf2Times(z.ops[k], crc1)
		}
	}
	return crc1 ^ crc2
}

var (
	zeroOpsCRC32     = sync.OnceValue(func() *zeroOps { return newZeroOps(32, uint64(crc32.IEEE)) })
	zeroOpsCRC32C    = sync.OnceValue(func() *zeroOps { return newZeroOps(32, uint64(crc32.Castagnoli)) })
	zeroOpsCRC64NVME = sync.OnceValue(func() *zeroOps { return newZeroOps(64, crc64NVMEPoly) })
)
