package bench

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// exactQuantile is the nearest-rank quantile of sorted values, the
// definition Histogram.Quantile approximates.
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	return sorted[nearestRank(q, uint64(len(sorted)))-1]
}

func TestNearestRank(t *testing.T) {
	tests := []struct {
		name string
		q    float64
		n    uint64
		want uint64
	}{
		{"p50 of 1", 0.5, 1, 1},
		{"p50 of 2", 0.5, 2, 1},
		{"p50 of 3", 0.5, 3, 2},
		{"p50 of 100", 0.5, 100, 50},
		{"p99 of 100", 0.99, 100, 99},
		{"p99 of 101", 0.99, 101, 100},
		{"p99 of 1000", 0.99, 1000, 990},
		{"p0 is the minimum", 0, 10, 1},
		{"negative is the minimum", -1, 10, 1},
		{"p100 is the maximum", 1, 10, 10},
		{"above 1 is the maximum", 2, 10, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nearestRank(tt.q, tt.n); got != tt.want {
				t.Errorf("nearestRank(%v, %d) = %d, want %d", tt.q, tt.n, got, tt.want)
			}
		})
	}
}

func TestHistogramBuckets(t *testing.T) {
	// Every bucket's bounds map back to it, buckets tile the range with no
	// gap, and each is narrower than 1/128 of its lower bound.
	var next uint64
	for i := range histBuckets {
		lo, w := bucketBounds(i)
		if lo != next {
			t.Fatalf("bucket %d starts at %d, want %d", i, lo, next)
		}
		if bucketOf(lo) != i || bucketOf(lo+w-1) != i {
			t.Fatalf("bucket %d [%d, %d) does not map back: %d, %d", i, lo, lo+w, bucketOf(lo), bucketOf(lo+w-1))
		}
		if lo >= histExact && w*histSub > lo {
			t.Fatalf("bucket %d [%d, +%d) wider than 1/128", i, lo, w)
		}
		next = lo + w
	}
	if next != uint64(MaxRecordable)+1 {
		t.Fatalf("buckets end at %d, want %d", next, uint64(MaxRecordable)+1)
	}
}

func TestHistogramQuantile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	dists := []struct {
		name string
		gen  func() time.Duration
	}{
		{"constant", func() time.Duration { return 700 * time.Microsecond }},
		{"tiny exact", func() time.Duration { return time.Duration(rng.IntN(200)) }},
		{"uniform 100µs-5ms", func() time.Duration {
			return 100*time.Microsecond + time.Duration(rng.Int64N(int64(5*time.Millisecond)))
		}},
		{"long tail", func() time.Duration {
			d := 300 * time.Microsecond
			if rng.IntN(50) == 0 {
				d = 40*time.Millisecond + time.Duration(rng.Int64N(int64(time.Second)))
			}
			return d + time.Duration(rng.Int64N(int64(50*time.Microsecond)))
		}},
	}
	for _, dist := range dists {
		for _, n := range []int{1, 2, 99, 1000, 100_000} {
			t.Run(dist.name, func(t *testing.T) {
				var h Histogram
				vals := make([]time.Duration, n)
				for i := range vals {
					vals[i] = dist.gen()
					h.Record(vals[i])
				}
				slices.Sort(vals)
				for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
					got, want := h.Quantile(q), exactQuantile(vals, q)
					if diff := (got - want).Abs(); float64(diff) > float64(want)/128+0.5 {
						t.Errorf("n=%d: Quantile(%v) = %v, want %v within 1/128", n, q, got, want)
					}
				}
				if h.Count() != uint64(n) {
					t.Errorf("Count = %d, want %d", h.Count(), n)
				}
			})
		}
	}
}

func TestHistogramEdges(t *testing.T) {
	var h Histogram
	if h.Quantile(0.5) != 0 || h.Mean() != 0 {
		t.Errorf("empty histogram: Quantile %v, Mean %v, want 0", h.Quantile(0.5), h.Mean())
	}
	h.Record(-time.Second)
	h.Record(time.Hour)
	if h.Quantile(0) != 0 || h.Quantile(1) != MaxRecordable {
		t.Errorf("clamping: min %v max %v, want 0 and %v", h.Quantile(0), h.Quantile(1), MaxRecordable)
	}
}

func TestHistogramMerge(t *testing.T) {
	var a, b, all Histogram
	for i := range 1000 {
		d := time.Duration(i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&b)
	m.Merge(&Histogram{})
	if m != all {
		t.Errorf("merged histogram differs from one that recorded everything")
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	b.ReportAllocs()
	var h Histogram
	for i := range b.N {
		h.Record(time.Duration(i&0xfffff) * 100)
	}
}
