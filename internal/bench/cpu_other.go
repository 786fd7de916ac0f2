//go:build !unix

package bench

import "time"

// SelfCPU returns ErrNoCPUTime: getrusage(2) is a Unix call.
func SelfCPU() (time.Duration, error) { return 0, ErrNoCPUTime }
