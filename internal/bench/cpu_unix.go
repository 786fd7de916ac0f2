//go:build unix

package bench

import (
	"syscall"
	"time"
)

// SelfCPU returns the user plus system CPU time this process has used so
// far, all threads included, from getrusage(2) (microsecond resolution).
func SelfCPU() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}
