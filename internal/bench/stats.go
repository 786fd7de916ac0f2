package bench

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records latencies in fixed memory with a relative error under
// 1/128 (0.8%): values below 256ns are kept exactly, larger ones in buckets
// of 128 per power of two, in the manner of HdrHistogram. Recording never
// allocates. Values above MaxRecordable are clamped to it.
//
// A Histogram is not safe for concurrent use: give each worker its own and
// Merge them afterwards.
type Histogram struct {
	counts [histBuckets]uint64
	n      uint64
	min    time.Duration
	max    time.Duration
	sum    time.Duration
}

const (
	histSubBits = 7                                              // 128 sub-buckets per power of two
	histSub     = 1 << histSubBits                               // 128
	histExact   = 2 * histSub                                    // values below 256 have their own bucket
	histMaxLen  = 41                                             // bits.Len64(MaxRecordable)
	histBuckets = histExact + (histMaxLen-histSubBits-1)*histSub // 4480

	// MaxRecordable is the largest latency a Histogram tells apart (about
	// 18 minutes); larger values count as this one.
	MaxRecordable = time.Duration(1<<histMaxLen - 1)
)

// bucketOf returns the index of the bucket holding v (0 <= v <= MaxRecordable).
func bucketOf(v uint64) int {
	if v < histExact {
		return int(v)
	}
	shift := bits.Len64(v) - (histSubBits + 1) // >= 1
	mant := v >> shift                         // in [128, 255]
	return histExact + (shift-1)*histSub + int(mant-histSub)
}

// bucketBounds returns the smallest value in bucket i and the bucket's width.
func bucketBounds(i int) (lo, width uint64) {
	if i < histExact {
		return uint64(i), 1
	}
	i -= histExact
	shift := i/histSub + 1
	mant := uint64(i%histSub + histSub)
	return mant << shift, 1 << shift
}

// Record adds one latency. Negative values count as zero.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	if d > MaxRecordable {
		d = MaxRecordable
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

// Merge adds the counts of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the mean of the recorded values, or 0 when there are none.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Quantile returns the nearest-rank q-quantile (0 <= q <= 1) of the recorded
// values: the smallest recorded value v such that at least q·n values are
// <= v, to within the histogram's resolution. Quantile(0) is the minimum and
// Quantile(1) the maximum, both exact; an empty histogram gives 0.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := nearestRank(q, h.n)
	if rank <= 1 {
		return h.min
	}
	if rank >= h.n {
		return h.max
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen < rank {
			continue
		}
		lo, w := bucketBounds(i)
		v := time.Duration(lo + (w-1)/2) // middle of the bucket
		return min(max(v, h.min), h.max)
	}
	return h.max // not reached
}

// nearestRank returns the 1-based rank of the q-quantile among n sorted
// values: ceil(q·n), at least 1 and at most n.
func nearestRank(q float64, n uint64) uint64 {
	if math.IsNaN(q) || q <= 0 {
		return 1
	}
	if q >= 1 {
		return n
	}
	r := uint64(math.Ceil(q * float64(n)))
	return min(max(r, 1), n)
}
