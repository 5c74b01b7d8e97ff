package repository

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/vendorrisk/vendorrisk/domain"
	"github.com/vendorrisk/vendorrisk/domain/assessment"
)

// S3Config says where an S3-compatible evidence store is and how to reach it.
type S3Config struct {
	// Bucket and Prefix (no leading or trailing slash; may be empty) name where the blobs live:
	// <prefix>/<first two hex digits>/<sha256>.
	Bucket string
	Prefix string
	// Endpoint is the service's URL, e.g. https://s3.amazonaws.com or http://127.0.0.1:7070.
	Endpoint string
	Region   string
	// PathStyle addresses the bucket in the path (http://host/bucket/key), as most self-hosted
	// services want, instead of in the host name (http://bucket.host/key).
	PathStyle bool
	// AccessKey, SecretKey and SessionToken are static credentials; when AccessKey is empty the
	// standard chain is used: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN, the shared
	// credentials file, then the instance's IAM role.
	AccessKey    string
	SecretKey    string
	SessionToken string
	// SSE is the server-side encryption asked for on every upload: "" (the bucket's default),
	// "AES256" (SSE-S3) or "aws:kms" with SSEKMSKeyID.
	SSE         string
	SSEKMSKeyID string
	// PartSize is the size above which an upload is sent in parts of this size (at least 5 MiB);
	// one part is the most an upload holds in memory.
	PartSize uint64
}

// MinPartSize is S3's smallest multipart part.
const MinPartSize = 5 << 20

// S3Blobs keeps evidence files in an S3-compatible bucket under content-addressed keys.
type S3Blobs struct {
	client *minio.Client
	cfg    S3Config
	sse    encrypt.ServerSide
}

var _ assessment.BlobStore = (*S3Blobs)(nil)

// NewS3Blobs connects to the service and checks that the bucket exists.
func NewS3Blobs(ctx context.Context, cfg S3Config) (*S3Blobs, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		return nil, fmt.Errorf("s3 endpoint %q: must be http(s)://host[:port]", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("s3 bucket: empty")
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if cfg.PartSize == 0 {
		cfg.PartSize = 16 << 20
	}
	if cfg.PartSize < MinPartSize {
		return nil, fmt.Errorf("s3 part size %d: must be at least %d", cfg.PartSize, MinPartSize)
	}
	creds := credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	if cfg.AccessKey == "" {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{Client: &http.Client{Transport: http.DefaultTransport}},
		})
	}
	lookup := minio.BucketLookupAuto
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(u.Host, &minio.Options{Creds: creds, Secure: u.Scheme == "https", Region: cfg.Region,
		BucketLookup: lookup})
	if err != nil {
		return nil, fmt.Errorf("s3 client: %w", err)
	}
	b := &S3Blobs{client: client, cfg: cfg}
	switch cfg.SSE {
	case "":
	case "AES256":
		b.sse = encrypt.NewSSE()
	case "aws:kms":
		if b.sse, err = encrypt.NewSSEKMS(cfg.SSEKMSKeyID, nil); err != nil {
			return nil, fmt.Errorf("s3 sse-kms: %w", err)
		}
	default:
		return nil, fmt.Errorf("s3 server-side encryption %q: must be AES256 or aws:kms", cfg.SSE)
	}
	ok, err := client.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, fmt.Errorf("check s3 bucket %s at %s: %w", cfg.Bucket, cfg.Endpoint, err)
	}
	if !ok {
		return nil, fmt.Errorf("s3 bucket %s does not exist at %s", cfg.Bucket, cfg.Endpoint)
	}
	return b, nil
}

// Location names the store for logs: s3://bucket/prefix at the endpoint.
func (b *S3Blobs) Location() string {
	return "s3://" + strings.TrimSuffix(b.cfg.Bucket+"/"+b.cfg.Prefix, "/") + " at " + b.cfg.Endpoint
}

func (b *S3Blobs) key(sha string) (string, error) {
	if !assessment.ValidSHA256(sha) {
		return "", fmt.Errorf("blob name %q is not a SHA-256", sha)
	}
	return b.dirPrefix() + sha[:2] + "/" + sha, nil
}

func (b *S3Blobs) dirPrefix() string {
	if b.cfg.Prefix == "" {
		return ""
	}
	return b.cfg.Prefix + "/"
}

// Put uploads r (in parts above the part size). The content is hashed on its way out: when it does
// not match sha, the upload is aborted before it completes and the object is not written. Storing
// existing content uploads it again, which renews its time for the orphan sweep.
func (b *S3Blobs) Put(ctx context.Context, sha string, r io.Reader, size int64) error {
	key, err := b.key(sha)
	if err != nil {
		return err
	}
	_, err = b.client.PutObject(ctx, b.cfg.Bucket, key, assessment.VerifyReader(r, sha, size), size, minio.PutObjectOptions{
		ContentType:          "application/octet-stream",
		PartSize:             b.cfg.PartSize,
		ServerSideEncryption: b.sse,
		UserMetadata:         map[string]string{"sha256": sha},
	})
	if err != nil {
		return fmt.Errorf("upload blob %s: %w", sha, s3Unavailable(err))
	}
	return nil
}

// Open streams an object; reading it to the end checks its hash.
func (b *S3Blobs) Open(ctx context.Context, sha string) (io.ReadCloser, error) {
	key, err := b.key(sha)
	if err != nil {
		return nil, err
	}
	obj, err := b.client.GetObject(ctx, b.cfg.Bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat() // sends the request: a missing object is known here, not at the first read
	}
	if err != nil {
		if obj != nil {
			obj.Close()
		}
		if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
			return nil, fmt.Errorf("blob %s: %w", sha, assessment.ErrBlobNotFound)
		}
		return nil, fmt.Errorf("download blob %s: %w", sha, s3Unavailable(err))
	}
	return assessment.VerifyReader(obj, sha, -1), nil
}

// List lists the objects under the prefix; keys that are not content-addressed blobs are skipped.
func (b *S3Blobs) List(ctx context.Context, fn func(assessment.BlobInfo) error) error {
	ctx, cancel := context.WithCancel(ctx) // stops the listing goroutine when fn fails
	defer cancel()
	prefix := b.dirPrefix()
	for obj := range b.client.ListObjects(ctx, b.cfg.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			return fmt.Errorf("list s3 bucket %s: %w", b.cfg.Bucket, s3Unavailable(obj.Err))
		}
		rest := strings.TrimPrefix(obj.Key, prefix)
		dir, name, ok := strings.Cut(rest, "/")
		if !ok || !assessment.ValidSHA256(name) || dir != name[:2] {
			continue
		}
		if err := fn(assessment.BlobInfo{SHA256: name, Size: obj.Size, ModTime: obj.LastModified}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// Delete removes an object (S3 answers success for a missing one).
func (b *S3Blobs) Delete(ctx context.Context, sha string) error {
	key, err := b.key(sha)
	if err != nil {
		return err
	}
	if err := b.client.RemoveObject(ctx, b.cfg.Bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete blob %s: %w", sha, s3Unavailable(err))
	}
	return nil
}

// s3Unavailable marks errors that say the service could not be reached or is overloaded (refused or
// dropped connections, timeouts, 5xx, SlowDown) with domain.ErrUnavailable: the client gets 503 with
// Retry-After, as for a database outage, rather than 500.
func s3Unavailable(err error) error {
	if err == nil {
		return nil
	}
	var ne net.Error
	resp := minio.ToErrorResponse(err)
	if errors.As(err, &ne) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		resp.StatusCode >= 500 || resp.Code == "SlowDown" {
		return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
	}
	return err
}
