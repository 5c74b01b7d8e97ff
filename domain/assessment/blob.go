package assessment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"regexp"
	"time"
)

// BlobStore keeps evidence files by the SHA-256 of their content: a local directory (the default) or
// an S3-compatible bucket. Content is streamed both ways; no store holds a whole file in memory.
type BlobStore interface {
	// Put stores size bytes read from r under sha256 (lower-case hex). The store checks that the
	// content is size bytes hashing to sha256 and keeps nothing under that name otherwise. Storing
	// the same content twice is harmless, and renews the blob's time, so that the orphan sweep's
	// grace period counts from the latest upload.
	Put(ctx context.Context, sha256 string, r io.Reader, size int64) error
	// Open streams the content stored under sha256. Reading it to the end fails with ErrCorrupt
	// (instead of io.EOF) when the content no longer matches its name; a missing blob is
	// ErrBlobNotFound.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
	// List calls fn for every stored blob, in no particular order; an error from fn stops it.
	List(ctx context.Context, fn func(BlobInfo) error) error
	// Delete removes a blob; a missing one is not an error.
	Delete(ctx context.Context, sha256 string) error
}

// BlobInfo describes a stored blob.
type BlobInfo struct {
	SHA256  string
	Size    int64
	ModTime time.Time // when it was last stored
}

// ErrBlobNotFound is a blob missing from the store.
var ErrBlobNotFound = errors.New("blob not found")

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ValidSHA256 reports whether s is a lower-case hex SHA-256, the only names a store accepts.
func ValidSHA256(s string) bool { return shaPattern.MatchString(s) }

// VerifyReader passes r through, hashing what it reads; when r ends, it answers ErrCorrupt instead of
// io.EOF if the content read does not hash to sha256 or is not size bytes long (size < 0: any size).
// Close closes r.
func VerifyReader(r io.Reader, sha256Hex string, size int64) io.ReadCloser {
	return &verifyingReader{r: r, want: sha256Hex, size: size, h: sha256.New()}
}

type verifyingReader struct {
	r    io.Reader
	want string
	size int64
	n    int64
	h    hash.Hash
	err  error
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.n += int64(n)
	v.h.Write(p[:n])
	if v.size >= 0 && v.n > v.size {
		v.err = fmt.Errorf("%w: more than the expected %d bytes", ErrCorrupt, v.size)
		return n, v.err
	}
	// A reader that knows the size stops asking at size bytes: check there, not only at EOF.
	if err == io.EOF || (err == nil && v.size >= 0 && v.n == v.size) {
		if got := hex.EncodeToString(v.h.Sum(nil)); got != v.want || (v.size >= 0 && v.n != v.size) {
			v.err = fmt.Errorf("%w: %d bytes with SHA-256 %s, expected %s", ErrCorrupt, v.n, got, v.want)
			return n, v.err
		}
	}
	if err != nil && err != io.EOF {
		v.err = err
	}
	return n, err
}

func (v *verifyingReader) Close() error {
	if c, ok := v.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// spoolVerified copies a blob to an unlinked temporary file while checking its hash, and returns
// the file rewound: the caller gets content that is known to be intact before it sends a byte of it,
// on disk rather than in memory. The caller closes the file.
func spoolVerified(r io.ReadCloser) (_ *os.File, size int64, err error) {
	defer r.Close()
	f, err := os.CreateTemp("", "vendorrisk-evidence-*")
	if err != nil {
		return nil, 0, fmt.Errorf("create temporary file: %w", err)
	}
	_ = os.Remove(f.Name()) // unlinked: the space goes back when f is closed, whatever happens
	defer func() {
		if err != nil {
			f.Close()
		}
	}()
	n, err := io.Copy(f, r)
	if err != nil {
		return nil, 0, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, 0, fmt.Errorf("rewind temporary file: %w", err)
	}
	return f, n, nil
}
