package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/vendorrisk/vendorrisk/domain/assessment"
	"github.com/vendorrisk/vendorrisk/repository"
)

// openBlobs opens the configured evidence store: the local directory, or an S3 bucket.
func openBlobs(ctx context.Context, cfg *config) (assessment.BlobStore, error) {
	if cfg.EvidenceStore == "" {
		return repository.NewLocalBlobs(cfg.EvidenceDir)
	}
	return repository.NewS3Blobs(ctx, cfg.S3)
}

// evidenceCmd runs "evidence migrate": copy the local evidence directory into the configured S3
// store, checking every file's hash on the way in and reading every copy back to check it again.
func evidenceCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, cfg, finish := newFlagSet("evidence", getenv, stderr)
	if err := parseFlags(fs, finish, args); err != nil {
		return err
	}
	if fs.NArg() != 1 || fs.Arg(0) != "migrate" {
		return usageErr("evidence needs migrate")
	}
	if cfg.EvidenceStore == "" {
		return usageErr("evidence migrate copies VENDORRISK_EVIDENCE_DIR into the S3 store: set VENDORRISK_EVIDENCE_STORE=s3://bucket/prefix")
	}
	log := cfg.logger(stderr)
	from, err := repository.NewLocalBlobs(cfg.EvidenceDir)
	if err != nil {
		return err
	}
	to, err := repository.NewS3Blobs(ctx, cfg.S3)
	if err != nil {
		return err
	}
	log.Info("migrating evidence", "from", from.Dir(), "to", to.Location())
	st, err := migrateBlobs(ctx, from, to, log)
	fmt.Fprintf(stdout, "evidence: %d file(s), %d copied, %d already there, %d bytes, %d failed; every copy read back and its SHA-256 checked\n",
		st.files, st.copied, st.present, st.bytes, st.failed)
	return err
}

type migrateStats struct {
	files, copied, present, failed int
	bytes                          int64
}

// migrateBlobs copies every blob of from that to lacks, then reads each blob back from to and checks
// its hash (the ones already there too). A failure is reported and the rest go on.
func migrateBlobs(ctx context.Context, from, to assessment.BlobStore, log *slog.Logger) (migrateStats, error) {
	var st migrateStats
	there := map[string]bool{}
	if err := to.List(ctx, func(b assessment.BlobInfo) error { there[b.SHA256] = true; return nil }); err != nil {
		return st, fmt.Errorf("list the target store: %w", err)
	}
	var blobs []assessment.BlobInfo
	if err := from.List(ctx, func(b assessment.BlobInfo) error { blobs = append(blobs, b); return nil }); err != nil {
		return st, fmt.Errorf("list the local store: %w", err)
	}
	var errs []error
	for _, b := range blobs {
		st.files++
		err := copyBlob(ctx, from, to, b, there[b.SHA256])
		if err == nil {
			err = checkBlob(ctx, to, b)
		}
		if err != nil {
			st.failed++
			log.Error("evidence file not migrated", "sha256", b.SHA256, "err", err)
			errs = append(errs, err)
			continue
		}
		if there[b.SHA256] {
			st.present++
		} else {
			st.copied++
		}
		st.bytes += b.Size
	}
	if len(errs) > 0 {
		return st, fmt.Errorf("%d of %d evidence file(s) failed: %w", len(errs), st.files, errors.Join(errs...))
	}
	return st, nil
}

func copyBlob(ctx context.Context, from, to assessment.BlobStore, b assessment.BlobInfo, present bool) error {
	if present {
		return nil
	}
	r, err := from.Open(ctx, b.SHA256)
	if err != nil {
		return err
	}
	defer r.Close()
	return to.Put(ctx, b.SHA256, r, b.Size) // a local file that no longer matches its name fails here
}

func checkBlob(ctx context.Context, s assessment.BlobStore, b assessment.BlobInfo) error {
	r, err := s.Open(ctx, b.SHA256)
	if err != nil {
		return err
	}
	defer r.Close()
	n, err := io.Copy(io.Discard, assessment.VerifyReader(r, b.SHA256, b.Size))
	if err != nil {
		return fmt.Errorf("read back %s: %w", b.SHA256, err)
	}
	if n != b.Size {
		return fmt.Errorf("read back %s: %d bytes, expected %d", b.SHA256, n, b.Size)
	}
	return nil
}
