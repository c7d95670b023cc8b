package main

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer is a bytes.Buffer the flushing goroutine and the test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLogOutputHoldsThenWrites: lines wait until the flush interval, 64 KiB
// of them, or Close; none is lost or cut.
func TestLogOutputHoldsThenWrites(t *testing.T) {
	t.Parallel()
	var out lockedBuffer
	logs := newLogOutput(&out, time.Hour)
	line := `{"msg":"request","status":200}` + "\n"
	logs.Write([]byte(line))
	if out.String() != "" {
		t.Fatalf("a line was written before its flush: %q", out.String())
	}
	for range (64<<10)/len(line) + 1 {
		logs.Write([]byte(line))
	}
	if n := len(out.String()); n < 60<<10 {
		t.Fatalf("64 KiB waited and %d bytes were written", n)
	}
	if err := logs.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Repeat(line, (64<<10)/len(line)+2); got != want {
		t.Fatalf("after Close %d bytes were written, want %d, every line whole", len(got), len(want))
	}

	var ticked lockedBuffer
	logs = newLogOutput(&ticked, 10*time.Millisecond)
	defer logs.Close()
	logs.Write([]byte(line))
	for deadline := time.Now().Add(5 * time.Second); ticked.String() != line; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no flush within 5 s at an interval of 10 ms: %q", ticked.String())
		}
	}
}
