package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

// spoolInMemory is the largest body kept in memory while it is read; a larger one (imports, evidence)
// goes to a temporary file that is removed when the request ends.
const spoolInMemory = 1 << 20

// spoolBody reads the whole request body before any transaction starts, so that a client trickling
// bytes holds a goroutine, never a database lock or a pooled connection. The handler then reads the
// spooled copy at memory or disk speed. The body limit set by limitBody still applies while reading.
// The caller closes c.Request.Body when the request ends (the server closes only the original body).
func spoolBody(c *gin.Context) error {
	if c.Request.Body == nil || c.Request.Body == http.NoBody {
		return nil
	}
	head := make([]byte, 0, min(max(c.Request.ContentLength, 0), spoolInMemory)+1)
	buf := bytes.NewBuffer(head)
	n, err := io.CopyN(buf, c.Request.Body, spoolInMemory+1)
	if err != nil && !errors.Is(err, io.EOF) {
		return readErr(err)
	}
	if n <= spoolInMemory {
		_ = c.Request.Body.Close()
		c.Request.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
		c.Request.ContentLength = n
		return nil
	}
	f, err := os.CreateTemp("", "vendorrisk-body-*")
	if err != nil {
		return fmt.Errorf("spool request body: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked at once: the open handle keeps it until closed
	total, err := buf.WriteTo(f)
	if err == nil {
		var rest int64
		rest, err = io.Copy(f, c.Request.Body)
		if err != nil {
			_ = f.Close()
			return readErr(err)
		}
		total += rest
	}
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		_ = f.Close()
		return fmt.Errorf("spool request body: %w", err)
	}
	_ = c.Request.Body.Close()
	c.Request.Body = f
	c.Request.ContentLength = total
	return nil
}

// readErr keeps the body-limit error (413) recognisable and turns any other read failure into a
// client error: a connection that stalls or drops mid-body is not the server's fault.
func readErr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return decodeError(err)
	}
	return &httpError{status: http.StatusBadRequest, slug: "malformed-request", title: "Malformed request",
		detail: "the request body could not be read completely: request body could not be read"}
}
