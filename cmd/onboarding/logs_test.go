package main

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// TestLogOutputHoldsThenWrites: lines wait until the flush interval, 64 KiB
// of them, or Close; none is lost or cut.
func TestLogOutputHoldsThenWrites(t *testing.T) {
	t.Parallel()
	// An hour's interval never ticks here: only the test's own writes and
	// Close (which waits for the flusher) touch out.
	var out bytes.Buffer
	logs := newLogOutput(&out, time.Hour)
	line := `{"msg":"request","status":200}` + "\n"
	logs.Write([]byte(line))
	if out.Len() != 0 {
		t.Fatalf("a line was written before its flush: %q", out.String())
	}
	for range (64<<10)/len(line) + 1 {
		logs.Write([]byte(line))
	}
	if out.Len() < 60<<10 {
		t.Fatalf("64 KiB waited and %d bytes were written", out.Len())
	}
	if err := logs.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Repeat(line, (64<<10)/len(line)+2); got != want {
		t.Fatalf("after Close %d bytes were written, want %d, every line whole", len(got), len(want))
	}

	// The interval writes a waiting line without Close.
	r, w := io.Pipe()
	logs = newLogOutput(w, 10*time.Millisecond)
	defer logs.Close()
	logs.Write([]byte(line))
	read := make(chan string, 1)
	go func() {
		got, _ := bufio.NewReader(r).ReadString('\n')
		read <- got
	}()
	select {
	case got := <-read:
		if got != line {
			t.Fatalf("flushed %q, want %q", got, line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no flush within 5 s at an interval of 10 ms")
	}
}
