package repository

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
)

// LocalBlobs keeps evidence files in a directory, named by their SHA-256 and fanned out by its first
// two characters. Files are written to a temporary name while their hash is checked, synced, then
// renamed: a crash never leaves a half-written or wrong file under a real name.
type LocalBlobs struct{ dir string }

// NewLocalBlobs creates the directory if needed.
func NewLocalBlobs(dir string) (*LocalBlobs, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create evidence directory %s: %w", dir, err)
	}
	return &LocalBlobs{dir: dir}, nil
}

var _ assessment.BlobStore = (*LocalBlobs)(nil)

// Dir is the directory the blobs live in.
func (b *LocalBlobs) Dir() string { return b.dir }

func (b *LocalBlobs) path(sha string) (string, error) {
	if !assessment.ValidSHA256(sha) {
		return "", fmt.Errorf("blob name %q is not a SHA-256", sha)
	}
	return filepath.Join(b.dir, sha[:2], sha), nil
}

// Put streams r to a temporary file, checks it is size bytes hashing to sha, and renames it into
// place. An existing blob with the same name is kept, and its time renewed.
func (b *LocalBlobs) Put(_ context.Context, sha string, r io.Reader, size int64) error {
	p, err := b.path(sha)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
		now := time.Now()
		if err := os.Chtimes(p, now, now); err != nil {
			return fmt.Errorf("renew blob %s: %w", sha, err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("create blob folder: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return fmt.Errorf("create temporary blob: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := io.Copy(f, assessment.VerifyReader(r, sha, size)); err != nil {
		f.Close()
		return fmt.Errorf("write blob: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync blob: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close blob: %w", err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("store blob: %w", err)
	}
	return nil
}

// Open streams a blob; reading it to the end checks its hash.
func (b *LocalBlobs) Open(_ context.Context, sha string) (io.ReadCloser, error) {
	p, err := b.path(sha)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", sha, assessment.ErrBlobNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open blob %s: %w", sha, err)
	}
	return assessment.VerifyReader(f, sha, -1), nil
}

// List walks the directory; temporary files of uploads in progress are not blobs.
func (b *LocalBlobs) List(ctx context.Context, fn func(assessment.BlobInfo) error) error {
	return filepath.WalkDir(b.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // removed while walking
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() || strings.HasPrefix(name, ".") || !assessment.ValidSHA256(name) ||
			filepath.Base(filepath.Dir(p)) != name[:2] {
			return nil
		}
		info, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(assessment.BlobInfo{SHA256: name, Size: info.Size(), ModTime: info.ModTime()})
	})
}

// Delete removes a blob.
func (b *LocalBlobs) Delete(_ context.Context, sha string) error {
	p, err := b.path(sha)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete blob %s: %w", sha, err)
	}
	return nil
}
