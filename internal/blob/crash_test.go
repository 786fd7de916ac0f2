package blob

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The crash test follows bbolt's habit of killing a real process: a child
// (this test binary, re-executed) commits blobs from several goroutines and
// prints each id after Commit returns; the parent SIGKILLs it at a random
// moment and checks that every printed (acknowledged) id opens with its full
// content, and that no partial blob is visible.
//
// SIGKILL tests the process-crash half of "nothing acknowledged is lost": the
// page cache survives, so it does not prove the fsyncs are sufficient for
// power loss. The fsync order is argued in docs/blob.md.

const (
	crashEnv    = "COFFER_BLOB_CRASH_ROOT"
	crashPrefix = "committed "
	headerLen   = 16 // seed (8) + total length (8)
)

// crashContent returns a self-describing blob: a header naming its seed and
// total length, then a stream derived from the seed. A truncated or mixed
// blob fails verifyContent.
func crashContent(seed uint64, size int) []byte {
	b := make([]byte, size)
	binary.BigEndian.PutUint64(b[0:8], seed)
	binary.BigEndian.PutUint64(b[8:16], uint64(size))
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for i := headerLen; i < size; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], r.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

func verifyContent(b []byte) error {
	if len(b) < headerLen {
		return fmt.Errorf("short blob: %d bytes", len(b))
	}
	seed := binary.BigEndian.Uint64(b[0:8])
	size := binary.BigEndian.Uint64(b[8:16])
	if size != uint64(len(b)) {
		return fmt.Errorf("length %d, header says %d", len(b), size)
	}
	if !bytes.Equal(b, crashContent(seed, len(b))) {
		return fmt.Errorf("content does not match seed %d", seed)
	}
	return nil
}

// TestCrashChild is the child half; it does nothing unless re-executed by
// TestCrash.
func TestCrashChild(t *testing.T) {
	root := os.Getenv(crashEnv)
	if root == "" {
		t.Skip("run by TestCrash")
	}
	ctx := context.Background()
	s, err := New(ctx, root, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var out sync.Mutex
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(g)))
			for {
				seed := r.Uint64()
				size := headerLen + r.IntN(512<<10)
				data := crashContent(seed, size)
				w, err := s.Create(ctx)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				// Write in pieces so a kill can land mid-file.
				for off := 0; off < len(data); off += 64 << 10 {
					end := min(off+64<<10, len(data))
					if _, err := w.Write(data[off:end]); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(2)
					}
				}
				id, err := w.Commit(ctx)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				out.Lock()
				// One write per line: the acknowledgement.
				os.Stdout.WriteString(crashPrefix + string(id) + "\n")
				out.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	root := t.TempDir()
	acked := map[ID]bool{}
	const rounds = 3
	for round := range rounds {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+root)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string, 1)
		go func() {
			var got []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				got = append(got, sc.Text())
			}
			lines <- got
		}()
		delay := time.Duration(150+rand.IntN(500)) * time.Millisecond
		time.Sleep(delay)
		if err := cmd.Process.Kill(); err != nil { // SIGKILL
			t.Fatal(err)
		}
		got := <-lines
		werr := cmd.Wait()
		if werr == nil || !strings.Contains(werr.Error(), "killed") {
			t.Fatalf("child did not die by the kill: %v\nstderr: %s", werr, stderr.String())
		}
		n := 0
		for _, l := range got {
			// The last line may be cut short by the kill; a cut line is not an
			// acknowledgement, and a cut id fails ParseID.
			rest, ok := strings.CutPrefix(l, crashPrefix)
			if !ok {
				continue
			}
			id, err := ParseID(rest)
			if err != nil {
				continue
			}
			acked[id] = true
			n++
		}
		tmpLeft := countFiles(t, filepath.Join(root, "tmp"))
		t.Logf("round %d: killed after %v, %d acknowledged this round, %d temp files left", round, delay, n, tmpLeft)
		if n == 0 {
			t.Fatalf("round %d: child acknowledged nothing; stderr: %s", round, stderr.String())
		}

		// Restart: sweep, then check.
		s, err := New(ctx, root, Options{})
		if err != nil {
			t.Fatal(err)
		}
		swept, err := s.Sweep(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if swept != tmpLeft {
			t.Errorf("Sweep removed %d, %d were there", swept, tmpLeft)
		}
		for id := range acked {
			r, err := s.Open(ctx, id)
			if err != nil {
				t.Fatalf("acknowledged blob %s lost: %v", id, err)
			}
			b, err := io.ReadAll(r)
			r.Close()
			if err != nil {
				t.Fatal(err)
			}
			if err := verifyContent(b); err != nil {
				t.Fatalf("acknowledged blob %s damaged: %v", id, err)
			}
		}
		// Every visible blob, acknowledged or not (killed between rename and
		// print), is complete.
		visible := 0
		if err := s.Walk(ctx, func(in Info) error {
			visible++
			r, err := s.Open(ctx, in.ID)
			if err != nil {
				return err
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			if err := verifyContent(b); err != nil {
				return fmt.Errorf("visible blob %s is partial: %w", in.ID, err)
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if visible < len(acked) {
			t.Fatalf("%d blobs visible, %d acknowledged", visible, len(acked))
		}
		if n := countFiles(t, filepath.Join(root, "tmp")); n != 0 {
			t.Fatalf("%d temp files after Sweep", n)
		}
		t.Logf("round %d: %d acknowledged in total, %d visible (%d orphans for the collector), all complete",
			round, len(acked), visible, visible-len(acked))
	}
}

// TestCrashOracle checks that the crash test's content check notices what a
// broken store would produce: truncated, extended or corrupted blobs.
func TestCrashOracle(t *testing.T) {
	good := crashContent(42, 1000)
	if err := verifyContent(good); err != nil {
		t.Fatal(err)
	}
	flipped := bytes.Clone(good)
	flipped[500] ^= 1
	for name, b := range map[string][]byte{
		"truncated":   good[:999],
		"header only": good[:headerLen],
		"empty":       nil,
		"extended":    append(bytes.Clone(good), 0),
		"flipped":     flipped,
		"zeros":       make([]byte, 1000),
	} {
		if verifyContent(b) == nil {
			t.Errorf("%s blob passed the check", name)
		}
	}
}
