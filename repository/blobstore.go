package repository

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
)

// LocalBlobs keeps evidence files in a directory, named by their SHA-256 and fanned out by its first
// two characters. Files are written to a temporary name, synced, then renamed: a crash never leaves
// a half-written file under a real name.
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

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func (b *LocalBlobs) path(sha string) (string, error) {
	if !shaPattern.MatchString(sha) {
		return "", fmt.Errorf("blob name %q is not a SHA-256", sha)
	}
	return filepath.Join(b.dir, sha[:2], sha), nil
}

// Put stores data under sha atomically; an existing blob with the same name is kept.
func (b *LocalBlobs) Put(_ context.Context, sha string, data []byte) error {
	p, err := b.path(sha)
	if err != nil {
		return err
	}
	if _, err := os.Stat(p); err == nil {
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
	if _, err := f.Write(data); err != nil {
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

// Get reads a blob.
func (b *LocalBlobs) Get(_ context.Context, sha string) ([]byte, error) {
	p, err := b.path(sha)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read blob %s: %w", sha, err)
	}
	return data, nil
}
