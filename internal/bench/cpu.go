package bench

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"
)

// ClockTicks is the unit of the utime and stime fields of /proc/PID/stat
// (USER_HZ, what sysconf(_SC_CLK_TCK) returns). Linux fixes it at 100 on every
// architecture Go runs on, so it is assumed rather than asked for: reading it
// needs cgo. CPU times read from /proc therefore have a 10ms resolution, which
// is why a cell should run for seconds, not milliseconds.
const ClockTicks = 100

// ErrNoCPUTime is returned where the process's CPU time cannot be read on
// this system (no /proc, no getrusage).
var ErrNoCPUTime = errors.New("bench: CPU time is not available on this system")

// ParseProcStat returns the user and system CPU time, in clock ticks, from
// the contents of a /proc/PID/stat file (fields 14 and 15 of proc(5)).
//
// The second field, the command name, is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted from the last ')'.
func ParseProcStat(stat []byte) (utime, stime uint64, err error) {
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 || bytes.IndexByte(stat, '(') < 0 {
		return 0, 0, errors.New("bench: /proc stat: no command name in parentheses")
	}
	// After ") " come field 3 (state) onwards; utime is field 14, stime 15.
	fields := bytes.Fields(stat[end+1:])
	const utimeAt, stimeAt = 14 - 3, 15 - 3
	if len(fields) <= stimeAt {
		return 0, 0, fmt.Errorf("bench: /proc stat: %d fields after the command name, want at least %d", len(fields), stimeAt+1)
	}
	if utime, err = strconv.ParseUint(string(fields[utimeAt]), 10, 64); err != nil {
		return 0, 0, fmt.Errorf("bench: /proc stat: utime: %w", err)
	}
	if stime, err = strconv.ParseUint(string(fields[stimeAt]), 10, 64); err != nil {
		return 0, 0, fmt.Errorf("bench: /proc stat: stime: %w", err)
	}
	return utime, stime, nil
}

// ProcessCPU returns the user plus system CPU time that process pid has used
// so far, all its threads included (not its waited-for children), read from
// /proc/PID/stat. Its resolution is 1/ClockTicks seconds. It works on Linux
// only.
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, fmt.Errorf("bench: server CPU time: %w", err)
	}
	u, s, err := ParseProcStat(b)
	if err != nil {
		return 0, err
	}
	return ticks(u + s), nil
}

func ticks(n uint64) time.Duration {
	return time.Duration(n) * (time.Second / ClockTicks)
}
